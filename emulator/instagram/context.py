"""Per-app Instagram state: the shared core plus what only Instagram remembers."""

from emulator.core import EmulatorCore
from emulator.oauth import OAuthContext
from emulator.usage import UsageMeter

PLATFORM = "instagram"
HOSTS: tuple[str, ...] = ("www.instagram.com", "api.instagram.com", "graph.instagram.com")


class InstagramContext(OAuthContext):
    """Holds used authorization codes (codes are single-use) and the app usage meter."""

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self.usage = UsageMeter(core.settings.meta_app_calls_per_hour)
