"""Posts, reels and videos as plain data, and which of them fall in a range of days.

``ContentItem`` mirrors ``shared.events.snapshots.ContentItem`` plus its platform. A metric the
platform did not give is ``None`` (unknown), never 0. ``engagement_rate`` is the platform
client's per-post figure: the interactions of the platform's ``engagement_formula`` divided by
the account's followers at fetch time, in percent.

"Published in ``[start, end]``" reads the calendar day of ``published_at`` in the client's IANA
time zone (a post at 23:30 in New York on Nov 3 is a Nov 3 post there, though Nov 4 in UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.analytics.domain.ranges import DayRange


@dataclass(frozen=True)
class ContentItem:
    item_id: str
    platform: str
    kind: str
    published_at: datetime
    """Timezone-aware (``ValueError`` otherwise): a naive time has no day or hour to read."""
    caption: str | None = None
    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    engagement_rate: float | None = None

    def __post_init__(self) -> None:
        if self.published_at.utcoffset() is None:
            raise ValueError(f"item {self.item_id}: published_at has no time zone")

    def local_time(self, timezone: str) -> datetime:
        """``published_at`` on the clock of ``timezone`` (DST-correct, via zoneinfo)."""
        return self.published_at.astimezone(ZoneInfo(timezone))


def published_between(
    items: Iterable[ContentItem], start: date, end: date, timezone: str
) -> tuple[ContentItem, ...]:
    """The items whose local publishing day is in ``[start, end]`` (``ValueError`` if reversed)."""
    DayRange(start, end)  # validates the range
    return tuple(i for i in items if start <= i.local_time(timezone).date() <= end)


def latest_versions(seen: Iterable[tuple[date, ContentItem]]) -> tuple[ContentItem, ...]:
    """One version per item from the daily snapshots it appears in: the one seen last.

    A post is in every day's recent items while it is recent, each time with the metrics of that
    day's fetch; ranking must count it once, with its newest metrics. Items are identified by
    ``(platform, item_id)``; of two versions seen the same day the later one given wins. The
    result is ordered by ``(platform, item_id)``.
    """
    newest: dict[tuple[str, str], tuple[date, ContentItem]] = {}
    for day, item in seen:
        key = (item.platform, item.item_id)
        if key not in newest or day >= newest[key][0]:
            newest[key] = (day, item)
    return tuple(newest[key][1] for key in sorted(newest))
