"""Per-app YouTube state: the shared core plus what only Google remembers between calls.

Tokens and codes are stateless (signed); what must be remembered lives here: used codes
(single use), which app/account pairs have consented (a refresh token comes only on the first
consent unless ``prompt=consent``), revoked grants, and the Data API units used per day.
"""

import weakref
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from emulator.core import EmulatorCore
from emulator.oauth import OAuthContext

PLATFORM = "youtube"
HOSTS: tuple[str, ...] = (
    "accounts.google.com",
    "oauth2.googleapis.com",
    "www.googleapis.com",
    "youtube.googleapis.com",
    "youtubeanalytics.googleapis.com",
)
PACIFIC = ZoneInfo("America/Los_Angeles")
"""YouTube's quota day starts at midnight Pacific time (DST-aware)."""

_CONTEXTS: "weakref.WeakKeyDictionary[EmulatorCore, YouTubeContext]" = weakref.WeakKeyDictionary()


def pacific_day(moment: float) -> date:
    """The Pacific calendar day of a wall-clock instant (the quota day)."""
    return datetime.fromtimestamp(moment, UTC).astimezone(PACIFIC).date()


class QuotaMeter:
    """Data API units used per project (client id) and Pacific day."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, date], int] = {}

    def used(self, client_id: str, day: date) -> int:
        return self._used.get((client_id, day), 0)

    def charge(self, client_id: str, day: date, units: int, limit: int) -> bool:
        """Charge ``units``; ``False`` (and nothing charged) when they would exceed ``limit``."""
        used = self.used(client_id, day)
        if used + units > limit:
            return False
        for key in [k for k in self._used if k[1] < day]:
            del self._used[key]  # past days never come back
        self._used[(client_id, day)] = used + units
        return True


class YouTubeContext(OAuthContext):
    """Used codes, consents, revoked grants and the quota meter of one emulator instance."""

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self.quota = QuotaMeter()
        self._consented: set[tuple[str, str]] = set()
        self._revoked: dict[tuple[str, str], float] = {}
        _CONTEXTS[core] = self

    def first_consent(self, account: str, client_id: str) -> bool:
        """Record a consent; ``True`` if this app had no live grant for the account before."""
        key = (account, client_id)
        if key in self._consented:
            return False
        self._consented.add(key)
        return True

    def revoke_grant(self, account: str, client_id: str) -> None:
        """Kill every token of this grant issued until now (access and refresh alike)."""
        key = (account, client_id)
        self._revoked[key] = self.core.now()
        self._consented.discard(key)

    def grant_revoked_at(self, account: str, client_id: str) -> float | None:
        return self._revoked.get((account, client_id))

    def units_used(self, client_id: str) -> int:
        """Units used today (Pacific) by ``client_id``: for tests and humans."""
        return self.quota.used(client_id, pacific_day(self.core.now()))


def context_of(core: EmulatorCore) -> YouTubeContext:
    """The YouTube state of an emulator app (``app.state.core``), for tests."""
    return _CONTEXTS[core]
