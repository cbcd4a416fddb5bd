"""The best posts of a range of days, by a metric the reader picks.

Items published in ``[start, end]`` (local days in the client's time zone) are ranked by the
chosen metric, highest first. An item without that metric is left out (and counted), never
ranked as if it were 0. Ties are broken the same way every time: the later-published item
first, then ``item_id``, then ``platform``, in alphabetical order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.analytics.domain.content import ContentItem, published_between

DEFAULT_LIMIT = 10


class RankBy(StrEnum):
    ENGAGEMENT_RATE = "engagement_rate"
    VIEWS = "views"
    LIKES = "likes"
    COMMENTS = "comments"
    SHARES = "shares"
    SAVES = "saves"


@dataclass(frozen=True)
class TopContent:
    by: RankBy
    items: tuple[ContentItem, ...]
    """At most ``limit`` items, best first."""
    published: int
    """Items published in the range."""
    without_metric: int
    """Of those, the items left out because the platform gave no value for ``by``."""


def metric(item: ContentItem, by: RankBy) -> float | None:
    value: float | None = getattr(item, by.value)
    return value


def top_content(
    items: Iterable[ContentItem],
    start: date,
    end: date,
    timezone: str,
    by: RankBy = RankBy.ENGAGEMENT_RATE,
    limit: int = DEFAULT_LIMIT,
) -> TopContent:
    """The ``limit`` best items of ``[start, end]`` by ``by`` (``ValueError`` if ``limit < 0``)."""
    if limit < 0:
        raise ValueError(f"limit {limit}")
    chosen = published_between(items, start, end, timezone)
    ranked: list[tuple[float, ContentItem]] = []
    for item in chosen:
        value = metric(item, by)
        if value is not None:
            ranked.append((value, item))
    # Highest value, then latest published; then item_id and platform ascending.
    ranked.sort(key=lambda vi: (vi[1].item_id, vi[1].platform))
    ranked.sort(key=lambda vi: (vi[0], vi[1].published_at), reverse=True)
    return TopContent(
        by=by,
        items=tuple(item for _, item in ranked[:limit]),
        published=len(chosen),
        without_metric=len(chosen) - len(ranked),
    )
