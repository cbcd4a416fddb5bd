"""Per-app X state: what X remembers beyond the stateless tokens.

Codes are single-use, refresh tokens are single-use and a reused one kills its whole grant, a
revocation kills a grant, and rate limits count calls per endpoint and user in 15-minute windows.
All of it lives in memory, per emulator instance.
"""

from dataclasses import dataclass

from emulator.core import EmulatorCore
from emulator.oauth import OAuthContext

PLATFORM = "x"
HOSTS: tuple[str, ...] = ("x.com", "twitter.com", "api.x.com", "api.twitter.com")

WINDOW_S = 900
"""X counts requests in 15-minute windows."""
ENDPOINT_LIMITS: dict[str, int] = {"users/me": 75, "users/:id": 900, "users/:id/tweets": 900}
"""Published per-user limits (OAuth 2.0 user context) per 15 minutes."""


@dataclass(frozen=True)
class RateStatus:
    """What ``x-rate-limit-*`` headers say after a call."""

    limit: int
    remaining: int
    reset: int
    exceeded: bool

    def headers(self, *, remaining: int | None = None, reset: int | None = None) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining if remaining is None else remaining),
            "x-rate-limit-reset": str(self.reset if reset is None else reset),
        }


class XContext(OAuthContext):
    """Used codes and refresh tokens, dead grants and rate-limit windows."""

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self._used_refresh: set[str] = set()
        self._dead_grants: set[str] = set()
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}

    def use_refresh(self, nonce: str, grant: str) -> bool:
        """Consume a refresh token; reusing one breaks its grant for good (token theft rule)."""
        if grant in self._dead_grants:
            return False
        if nonce in self._used_refresh:
            self._dead_grants.add(grant)
            return False
        self._used_refresh.add(nonce)
        return True

    def kill_grant(self, grant: str) -> None:
        """Revocation: every token of the grant stops working."""
        self._dead_grants.add(grant)

    def grant_alive(self, grant: str) -> bool:
        return grant not in self._dead_grants

    def hit(self, endpoint: str, account: str) -> RateStatus:
        """Count one call of ``account`` on ``endpoint``; the window opens at its first call."""
        limit = ENDPOINT_LIMITS[endpoint]
        now = self.core.now()
        if not self.core.settings.natural_rate_limits:
            return RateStatus(limit, limit, int(now) + WINDOW_S, False)
        reset, used = self._windows.get((endpoint, account), (0, 0))
        if now >= reset:
            reset, used = int(now) + WINDOW_S, 0
        used += 1
        self._windows[(endpoint, account)] = (reset, used)
        return RateStatus(limit, max(0, limit - used), reset, used > limit)
