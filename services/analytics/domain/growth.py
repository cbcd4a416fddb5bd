"""Follower growth computed from stored daily history — never estimated.

A change over N days needs a real observation on or before the start of the window; without
one the answer is ``None`` (unknown), not a number made up from a shorter window. This is
deliberate: percentages that are not computed from real history mislead coaches.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DailyPoint:
    day: date
    followers: int | None
    engagement_rate: float | None = None
    posts: int | None = None


@dataclass(frozen=True)
class GrowthSummary:
    as_of: date
    followers: int | None
    change_1d: int | None
    change_7d: int | None
    change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    engagement_rate: float | None
    posts: int | None


def _known(series: Sequence[DailyPoint]) -> list[DailyPoint]:
    return sorted((p for p in series if p.followers is not None), key=lambda p: p.day)


def value_on_or_before(series: Sequence[DailyPoint], day: date) -> DailyPoint | None:
    """The latest observation not after ``day`` (series sorted by day, followers known)."""
    days = [p.day for p in series]
    index = bisect_right(days, day)
    return series[index - 1] if index else None


def change(series: Sequence[DailyPoint], as_of: date, days: int) -> int | None:
    known = _known(series)
    window_start = as_of - timedelta(days=days)
    end = value_on_or_before(known, as_of)
    start = value_on_or_before(known, window_start)
    if end is None or start is None or end.followers is None or start.followers is None:
        return None
    if end.day <= window_start:
        return None  # nothing observed inside the window: unknown, not "no change"
    return end.followers - start.followers


def growth_pct(series: Sequence[DailyPoint], as_of: date, days: int) -> float | None:
    """Percent change over ``days``; unknown when the window has no start or starts at zero."""
    known = _known(series)
    start = value_on_or_before(known, as_of - timedelta(days=days))
    delta = change(known, as_of, days)
    if delta is None or start is None or not start.followers:
        return None
    return round(100.0 * delta / start.followers, 2)


def summarize(series: Sequence[DailyPoint], as_of: date) -> GrowthSummary:
    known = _known(series)
    latest = value_on_or_before(known, as_of)
    today = next((p for p in series if p.day == as_of), None)
    return GrowthSummary(
        as_of=as_of,
        followers=latest.followers if latest else None,
        change_1d=change(known, as_of, 1),
        change_7d=change(known, as_of, 7),
        change_30d=change(known, as_of, 30),
        growth_pct_7d=growth_pct(known, as_of, 7),
        growth_pct_30d=growth_pct(known, as_of, 30),
        engagement_rate=today.engagement_rate if today else None,
        posts=today.posts if today else None,
    )
