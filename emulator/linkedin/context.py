"""Per-app LinkedIn state: the shared core plus what only LinkedIn remembers."""

from emulator.core import EmulatorCore

PLATFORM = "linkedin"
HOSTS: tuple[str, ...] = ("www.linkedin.com", "api.linkedin.com")


class LinkedInContext:
    """Used authorization codes (single-use) and revoked grants.

    Tokens are stateless, so a revocation through ``/oauth/v2/revoke`` is the one thing kept in
    memory: an emulator restart forgets it (faults do the same), which tests never rely on.
    """

    def __init__(self, core: EmulatorCore) -> None:
        self.core = core
        self._used_codes: dict[str, float] = {}
        self._revoked_grants: set[str] = set()

    def use_code(self, nonce: str, expires_at: float) -> bool:
        """Mark a code used; ``False`` if it already was. Forgets codes once they expire."""
        now = self.core.now()
        for key in [k for k, exp in self._used_codes.items() if exp < now]:
            del self._used_codes[key]
        if nonce in self._used_codes:
            return False
        self._used_codes[nonce] = expires_at
        return True

    def revoke_grant(self, grant: str) -> None:
        """Revoke every token of one authorization (access and refresh alike)."""
        self._revoked_grants.add(grant)

    def grant_revoked(self, grant: str) -> bool:
        """Whether the authorization behind a token was revoked at ``/oauth/v2/revoke``."""
        return grant in self._revoked_grants
