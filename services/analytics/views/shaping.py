"""Shaping the computations' results into the answers' schemas: rounding, reasons, markers.

Shared by every view, so that one figure reads the same in every answer (percentages rounded
to 2 decimals, the same reason for a missing change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from services.analytics import programs
from services.analytics.domain import engagement, program, timing
from services.analytics.domain.content import ContentItem
from services.analytics.domain.dashboard import Point
from services.analytics.domain.range_growth import (
    RangeGrowth,
)
from services.analytics.domain.ranges import DayRange
from services.analytics.schemas import (
    BucketPublic,
    ContentPublic,
    DayRangePublic,
    EngagementPublic,
    GrowthPublic,
    MarkerPublic,
    SeriesPoint,
)


def round2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def growth_reason(
    growth: RangeGrowth, missing: Mapping[date, tuple[str, ...]] | None = None
) -> str | None:
    """Why a growth has no change or no percent (``missing``: the accounts without a count on
    a day, for totals)."""
    absent = [
        d
        for d, n in ((growth.start, growth.start_count), (growth.end, growth.end_count))
        if n is None
    ]
    if absent:
        words = []
        for day in dict.fromkeys(absent):
            who = (missing or {}).get(day)
            what = "total" if missing is not None else "count"
            words.append(
                f"no {what} on {day}" + (f" (no count for {', '.join(who)})" if who else "")
            )
        return "; ".join(words)
    if growth.percent is None:
        return "no percent from 0 followers"
    return None


def day_ranges(runs: Iterable[DayRange]) -> list[DayRangePublic]:
    return [DayRangePublic(first=r.first, last=r.last) for r in runs]


def growth_public(
    growth: RangeGrowth, missing: Mapping[date, tuple[str, ...]] | None = None
) -> GrowthPublic:
    return GrowthPublic(
        start=growth.start,
        end=growth.end,
        start_count=growth.start_count,
        end_count=growth.end_count,
        change=growth.change,
        percent=round2(growth.percent),
        known_days=growth.known_days,
        gaps=day_ranges(growth.gaps),
        reason=growth_reason(growth, missing),
    )


def engagement_public(found: engagement.AccountEngagement) -> EngagementPublic:
    return EngagementPublic(
        start=found.start,
        end=found.end,
        posts=found.posts,
        posts_rated=found.posts_rated,
        mean_rate=round2(found.mean_rate),
    )


def bucket_public(bucket: timing.Bucket | None) -> BucketPublic | None:
    if bucket is None:
        return None
    return BucketPublic(
        weekday=bucket.weekday,
        hour=bucket.hour,
        posts=bucket.posts,
        median_rate=round2(bucket.median_rate),
    )


def series_points(points: Iterable[Point]) -> list[SeriesPoint]:
    return [
        SeriesPoint(
            date=p.day,
            value=round2(p.value) if isinstance(p.value, float) else p.value,
            source=p.source,
            missing=list(p.missing),
        )
        for p in points
    ]


def content_public(item: ContentItem, urls: Mapping[tuple[str, str], str | None]) -> ContentPublic:
    return ContentPublic(
        platform=item.platform,
        item_id=item.item_id,
        kind=item.kind,
        published_at=item.published_at,
        url=urls.get((item.platform, item.item_id)),
        caption=item.caption,
        views=item.views,
        reach=item.reach,
        likes=item.likes,
        comments=item.comments,
        shares=item.shares,
        saves=item.saves,
        engagement_rate=item.engagement_rate,
    )


def markers(
    found: programs.Program | None, gains: Iterable[program.DeliverableGain], start: date, end: date
) -> list[MarkerPublic]:
    """The deliverables due or completed in ``[start, end]``, with their gain labels."""
    if found is None:
        return []
    labels = {g.deliverable.code: g.label() for g in gains}
    return [
        MarkerPublic(
            code=d.code,
            title=d.title,
            due_on=d.due_on,
            completed_on=d.completed_on,
            label=labels.get(d.code),
        )
        for d in found.domain_deliverables()
        if start <= d.due_on <= end
        or (d.completed_on is not None and start <= d.completed_on <= end)
    ]
