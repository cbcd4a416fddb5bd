"""Follower growth over any range of days: exact endpoints or no answer, with the gaps.

Growth over ``[start, end]`` is ``count(end) - count(start)``, only when both days' counts are
known exactly; percent is ``100 * change / count(start)``, unknown when ``count(start)`` is 0 or
unknown (unrounded here; the history API rounds to 2 decimals). A missing endpoint is never
replaced by a neighbour: the answer is ``None`` and the result carries the endpoint's
``Bounds`` (nearest known days, as labels) and every gap in the range.

The standard windows end on ``today``: N days is ``[today - N, today]`` (the same span as the
stored 7- and 30-day changes of ``growth.py``), "all" starts on the first known day. The seed's
``growthRate = (today - 30 days ago) / 30 days ago`` is the 30-day percent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.analytics.domain.ranges import (
    Bounds,
    DailyCounts,
    DayRange,
    bounds,
    days_of,
    gaps,
    known,
)

#: The windows of the growth summary, in days.
STANDARD_WINDOWS = (7, 30, 90)


@dataclass(frozen=True)
class RangeGrowth:
    start: date
    end: date
    start_count: int | None
    end_count: int | None
    change: int | None
    """``end_count - start_count``; None unless both are known."""
    percent: float | None
    """``100 * change / start_count``; None when the change is unknown or ``start_count`` is 0."""
    gaps: tuple[DayRange, ...]
    """Days of the range with no known count."""
    known_days: int
    """Days of the range with a known count (of ``(end - start).days + 1``)."""
    start_bounds: Bounds | None = None
    """Nearest known days around ``start``, only when its count is unknown."""
    end_bounds: Bounds | None = None
    """Nearest known days around ``end``, only when its count is unknown."""


@dataclass(frozen=True)
class StandardGrowth:
    """The summary a dashboard shows: 7, 30, 90 days and all time, all ending ``today``."""

    days_7: RangeGrowth
    days_30: RangeGrowth
    days_90: RangeGrowth
    all_time: RangeGrowth | None
    """None when no day up to ``today`` has a known count."""


def growth_between(counts: DailyCounts, start: date, end: date) -> RangeGrowth:
    """Growth from the start of ``start`` to the start of ``end`` (``ValueError`` if reversed)."""
    holes = gaps(counts, start, end)
    first, last = counts.get(start), counts.get(end)
    change = None if first is None or last is None else last - first
    percent = None if change is None or not first else 100.0 * change / first
    return RangeGrowth(
        start=start,
        end=end,
        start_count=first,
        end_count=last,
        change=change,
        percent=percent,
        gaps=holes,
        known_days=sum(1 for day in days_of(start, end) if counts.get(day) is not None),
        start_bounds=bounds(counts, start) if first is None else None,
        end_bounds=bounds(counts, end) if last is None else None,
    )


def growth_over(counts: DailyCounts, today: date, days: int) -> RangeGrowth:
    """Growth over the last ``days`` days: ``[today - days, today]``."""
    if days < 0:
        raise ValueError(f"a window of {days} days")
    return growth_between(counts, today - timedelta(days=days), today)


def growth_all_time(counts: DailyCounts, today: date) -> RangeGrowth | None:
    """Growth from the first known day up to ``today``; None when no count is known by then."""
    first = min((day for day in known(counts) if day <= today), default=None)
    return None if first is None else growth_between(counts, first, today)


def growth_rate(counts: DailyCounts, today: date) -> float | None:
    """The seed's ``growthRate``: ``(count(today) - count(today - 30)) / count(today - 30)``.

    Given in percent (``100 *`` the seed's ratio), i.e. the 30-day percent, unrounded.
    """
    return growth_over(counts, today, 30).percent


def standard_growth(counts: DailyCounts, today: date) -> StandardGrowth:
    days_7, days_30, days_90 = (growth_over(counts, today, n) for n in STANDARD_WINDOWS)
    return StandardGrowth(days_7, days_30, days_90, growth_all_time(counts, today))
