"""Per-app LinkedIn state: the shared core plus what only LinkedIn remembers."""

from emulator.core import EmulatorCore
from emulator.oauth import OAuthContext

PLATFORM = "linkedin"
HOSTS: tuple[str, ...] = ("www.linkedin.com", "api.linkedin.com")


class LinkedInContext(OAuthContext):
    """Used authorization codes (single-use) and revoked grants.

    Tokens are stateless, so a revocation through ``/oauth/v2/revoke`` is the one thing kept in
    memory: an emulator restart forgets it (faults do the same), which tests never rely on.
    """

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self._revoked_grants: set[str] = set()

    def revoke_grant(self, grant: str) -> None:
        """Revoke every token of one authorization (access and refresh alike)."""
        self._revoked_grants.add(grant)

    def grant_revoked(self, grant: str) -> bool:
        """Whether the authorization behind a token was revoked at ``/oauth/v2/revoke``."""
        return grant in self._revoked_grants
