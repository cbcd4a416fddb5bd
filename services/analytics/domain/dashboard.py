"""The dashboards' own figures, on top of the computations: chart series, month to date, labels.

**Chart series.** One point per day of a range, the chosen metric's value that day or ``None``
(never interpolated). For one account the value is the stored day's. For several accounts
("all") a day's value exists only when every account has one (``totals.daily_totals``):
followers, posts, reach and views are summed; engagement is the follower-weighted mean of the
accounts' rates, ``sum(rate_i * followers_i) / sum(followers_i)``, which is the rate of the
accounts taken as one audience (a plain mean would let a 200-follower account count as much as
a 50,000-follower one). Each point names the accounts without a value and its source: for
several accounts the least direct source among their stored days (an import, then the
platform's history, then the live sync), so a day built on imported counts is marked as such.

**Month to date.** Followers gained from the start of the first day of the current UTC month to
the start of the day of the latest count (both days' counts exact). Counts are taken at the
start of each day, so the change covers the gains of the month's days before that day.

**Platform performance.** Each platform's 30-day growth percent against the client's combined
30-day percent (the growth of the daily totals), with a band of ``TOLERANCE_POINTS``:
``no_data`` without the platform's percent; ``declining`` below 0 %; ``leading`` more than the
band above the combined; ``lagging`` more than the band below it; ``steady`` otherwise (also
when the combined percent is unknown and the platform's is not negative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.analytics.domain.range_growth import RangeGrowth, growth_between
from services.analytics.domain.ranges import DayRange, days_of, gaps
from services.analytics.domain.totals import daily_totals

#: Percentage points a platform's 30-day growth may differ from the combined and stay steady.
TOLERANCE_POINTS = 1.0

#: Least direct first: a combined day takes the first of these among its accounts' days.
SOURCE_ORDER = ("import", "platform", "live")


class Metric(StrEnum):
    FOLLOWERS = "followers"
    ENGAGEMENT = "engagement"
    REACH = "reach"
    VIEWS = "views"
    POSTS = "posts"


@dataclass(frozen=True)
class DayFigures:
    """One stored day of one account: the figures a chart can show."""

    source: str
    """``live``, ``platform`` or ``import`` (``history.DaySource``)."""
    followers: int | None = None
    engagement_rate: float | None = None
    reach: int | None = None
    views: int | None = None
    posts: int | None = None

    def count(self, metric: Metric) -> int | None:
        """The day's value of a metric that adds up (every metric but engagement)."""
        values = {
            Metric.FOLLOWERS: self.followers,
            Metric.REACH: self.reach,
            Metric.VIEWS: self.views,
            Metric.POSTS: self.posts,
        }
        if metric not in values:
            raise ValueError(f"{metric} does not add up")
        return values[metric]


Account = Mapping[date, DayFigures]
"""One account's stored days (a day with no row is absent)."""


@dataclass(frozen=True)
class Point:
    day: date
    value: int | float | None
    source: str | None
    """None when no account has a stored day."""
    missing: tuple[str, ...] = ()
    """The accounts (of several) with no value that day, sorted."""


def _source(accounts: Mapping[str, Account], day: date) -> str | None:
    found = {days[day].source for days in accounts.values() if day in days}
    return next((s for s in SOURCE_ORDER if s in found), None)


def _weighted_engagement(accounts: Mapping[str, Account], day: date) -> Point:
    pairs: dict[str, tuple[float, int]] = {}
    for name, days in accounts.items():
        figures = days.get(day)
        if figures and figures.engagement_rate is not None and figures.followers is not None:
            pairs[name] = (figures.engagement_rate, figures.followers)
    missing = tuple(sorted(set(accounts) - set(pairs)))
    audience = sum(f for _, f in pairs.values())
    value = None if missing or not audience else sum(r * f for r, f in pairs.values()) / audience
    return Point(day, value, _source(accounts, day), missing)


def series(accounts: Mapping[str, Account], metric: Metric, start: date, end: date) -> list[Point]:
    """One point per day of ``[start, end]`` (``ValueError`` if reversed; empty without
    accounts). With one account ``missing`` stays empty: its gaps are the null points."""
    DayRange(start, end)  # validates the range
    if not accounts:
        return []
    if len(accounts) == 1:
        [days] = accounts.values()
        points = []
        for d in days_of(start, end):
            figures = days.get(d)
            if figures is None:
                points.append(Point(d, None, None))
            elif metric is Metric.ENGAGEMENT:
                points.append(Point(d, figures.engagement_rate, figures.source))
            else:
                points.append(Point(d, figures.count(metric), figures.source))
        return points
    if metric is Metric.ENGAGEMENT:
        return [_weighted_engagement(accounts, d) for d in days_of(start, end)]
    counts = {
        name: {day: figures.count(metric) for day, figures in days.items()}
        for name, days in accounts.items()
    }
    return [
        Point(t.day, t.total, _source(accounts, t.day), t.missing)
        for t in daily_totals(counts, start, end)
    ]


def point_gaps(points: list[Point], start: date, end: date) -> tuple[DayRange, ...]:
    """The runs of days without a value (``ranges.gaps`` over which days have one)."""
    present = {p.day: 1 for p in points if p.value is not None}
    return gaps(present, start, end)


def follower_counts(accounts: Mapping[str, Account]) -> dict[str, dict[date, int | None]]:
    """Each account's daily follower counts (for ``totals`` and ``range_growth``)."""
    return {
        name: {day: figures.followers for day, figures in days.items()}
        for name, days in accounts.items()
    }


def month_to_date(
    counts: Mapping[date, int | None], today: date, latest: date | None
) -> RangeGrowth | None:
    """Followers gained this month: from the 1st of ``today``'s month to ``latest`` (the day
    of the latest count); None when there is no count this month yet."""
    first = today.replace(day=1)
    if latest is None or latest < first:
        return None
    return growth_between(counts, first, latest)


class Performance(StrEnum):
    LEADING = "leading"
    STEADY = "steady"
    LAGGING = "lagging"
    DECLINING = "declining"
    NO_DATA = "no_data"


def performance(platform_pct: float | None, combined_pct: float | None) -> Performance:
    """A platform's label from its 30-day growth percent and the client's combined one."""
    if platform_pct is None:
        return Performance.NO_DATA
    if platform_pct < 0:
        return Performance.DECLINING
    if combined_pct is not None and platform_pct > combined_pct + TOLERANCE_POINTS:
        return Performance.LEADING
    if combined_pct is not None and platform_pct < combined_pct - TOLERANCE_POINTS:
        return Performance.LAGGING
    return Performance.STEADY
