"""The dashboards' own figures: chart series, month to date, platform labels (by hand)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.analytics.domain.dashboard import (
    DayFigures,
    Metric,
    Performance,
    month_to_date,
    performance,
    point_gaps,
    series,
)
from services.analytics.domain.ranges import DayRange

D = date(2026, 3, 1)


def _d(n: int) -> date:
    return D + timedelta(days=n)


A = {
    _d(0): DayFigures("import", followers=100, engagement_rate=1.0, reach=10),
    _d(1): DayFigures("live", followers=110, engagement_rate=2.0, reach=None),
}
B = {
    _d(0): DayFigures("live", followers=300, engagement_rate=5.0, reach=20),
    _d(2): DayFigures("platform", followers=320, engagement_rate=3.0),
}


def test_one_accounts_series_is_its_stored_days_with_nulls_for_the_rest() -> None:
    points = series({"a": A}, Metric.FOLLOWERS, _d(0), _d(2))
    assert [(p.value, p.source, p.missing) for p in points] == [
        (100, "import", ()),
        (110, "live", ()),
        (None, None, ()),
    ]
    assert point_gaps(points, _d(0), _d(2)) == (DayRange(_d(2), _d(2)),)
    rates = series({"a": A}, Metric.ENGAGEMENT, _d(0), _d(1))
    assert [p.value for p in rates] == [1.0, 2.0]


def test_combined_days_need_every_account_and_take_the_least_direct_source() -> None:
    points = series({"a": A, "b": B}, Metric.FOLLOWERS, _d(0), _d(2))
    # Day 0: 100 + 300 = 400 (an import and a live day: import). Day 1: b has no row; day 2: a.
    assert [(p.value, p.source, p.missing) for p in points] == [
        (400, "import", ()),
        (None, "live", ("b",)),
        (None, "platform", ("a",)),
    ]
    reach = series({"a": A, "b": B}, Metric.REACH, _d(0), _d(0))
    assert reach[0].value == 30


def test_combined_engagement_is_weighted_by_followers() -> None:
    # (1.0 * 100 + 5.0 * 300) / 400 = 1600 / 400 = 4.0 (a plain mean would say 3.0).
    [point] = series({"a": A, "b": B}, Metric.ENGAGEMENT, _d(0), _d(0))
    assert point.value == 4.0
    nobody = {_d(0): DayFigures("live", followers=0, engagement_rate=1.0)}
    [empty] = series({"a": nobody, "b": nobody}, Metric.ENGAGEMENT, _d(0), _d(0))
    assert (empty.value, empty.missing) == (None, ())  # no audience: no rate


def test_series_without_accounts_or_with_a_reversed_range() -> None:
    assert series({}, Metric.FOLLOWERS, _d(0), _d(1)) == []
    with pytest.raises(ValueError, match="before it starts"):
        series({"a": A}, Metric.FOLLOWERS, _d(1), _d(0))


def test_month_to_date_runs_from_the_first_of_the_month() -> None:
    counts = {date(2026, 11, 1): 1210, date(2026, 11, 20): 1400}
    found = month_to_date(counts, date(2026, 11, 20), date(2026, 11, 20))
    assert found is not None
    assert (found.start, found.change) == (date(2026, 11, 1), 190)  # 1400 - 1210
    # The latest count is from October: nothing this month yet.
    assert month_to_date(counts, date(2026, 11, 20), date(2026, 10, 31)) is None
    assert month_to_date(counts, date(2026, 11, 20), None) is None
    # No count on the 1st: no change, never the nearest day's.
    gap = month_to_date({date(2026, 11, 20): 1400}, date(2026, 11, 20), date(2026, 11, 20))
    assert gap is not None and gap.change is None


@pytest.mark.parametrize(
    ("platform", "combined", "label"),
    [
        (None, 5.0, Performance.NO_DATA),
        (-0.5, 5.0, Performance.DECLINING),
        (-0.5, None, Performance.DECLINING),
        (6.01, 5.0, Performance.LEADING),  # more than 1 point above
        (6.0, 5.0, Performance.STEADY),  # exactly 1 point above: within the band
        (4.0, 5.0, Performance.STEADY),
        (3.99, 5.0, Performance.LAGGING),
        (0.0, 5.0, Performance.LAGGING),
        (2.0, None, Performance.STEADY),  # nothing to compare with
    ],
)
def test_platform_labels(platform: float | None, combined: float | None, label: str) -> None:
    assert performance(platform, combined) is label
