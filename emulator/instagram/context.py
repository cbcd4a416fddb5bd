"""Per-app Instagram state: the shared core plus what only Instagram remembers."""

from emulator.core import EmulatorCore
from emulator.usage import UsageMeter

PLATFORM = "instagram"
HOSTS: tuple[str, ...] = ("www.instagram.com", "api.instagram.com", "graph.instagram.com")


class InstagramContext:
    """Holds used authorization codes (codes are single-use) and the app usage meter."""

    def __init__(self, core: EmulatorCore) -> None:
        self.core = core
        self.usage = UsageMeter()
        self._used_codes: dict[str, float] = {}

    def use_code(self, nonce: str, expires_at: float) -> bool:
        """Mark a code used; ``False`` if it already was. Forgets codes once they expire."""
        now = self.core.now()
        for key in [k for k, exp in self._used_codes.items() if exp < now]:
            del self._used_codes[key]
        if nonce in self._used_codes:
            return False
        self._used_codes[nonce] = expires_at
        return True
