"""Growth over 7, 30, 90 days, all time and custom ranges: exact endpoints or no answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.analytics.domain.growth import growth_pct
from services.analytics.domain.range_growth import (
    growth_all_time,
    growth_between,
    growth_over,
    growth_rate,
    standard_growth,
)
from services.analytics.domain.ranges import Bounds, DayRange, KnownDay

T = date(2026, 11, 20)  # "today"


def d(offset: int) -> date:
    return T + timedelta(days=offset)


def test_the_seeds_growth_rate_is_the_30_day_percent() -> None:
    counts = {d(-30): 5000, d(0): 5750}
    assert growth_rate(counts, T) == 15.0  # 100 * (5750 - 5000) / 5000
    thirty = growth_over(counts, T, 30)
    assert thirty.change == 750  # 5750 - 5000
    assert thirty.gaps == (DayRange(d(-29), d(-1)),)  # only the two endpoints are known
    assert thirty.known_days == 2


def test_the_30_day_percent_matches_the_stored_growth_after_rounding() -> None:
    counts = {d(-30): 1230, d(0): 1300}
    rate = growth_rate(counts, T)
    assert rate == pytest.approx(5.6910569)  # 100 * 70 / 1230 = 5.69105…
    assert rate is not None
    assert round(rate, 2) == growth_pct(counts, T, 30) == 5.69


def test_standard_windows_and_all_time_from_the_first_known_day() -> None:
    # 1000 on d(-90), +10 a day to 1900 today; an older count of 950 on d(-100), d(-95) None.
    counts: dict[date, int | None] = {d(-100): 950, d(-95): None}
    counts |= {d(-90 + k): 1000 + 10 * k for k in range(91)}
    summary = standard_growth(counts, T)
    assert summary.days_7.change == 70  # 1900 - 1830
    assert summary.days_7.percent == pytest.approx(3.8251366)  # 100 * 70 / 1830
    assert summary.days_30.change == 300  # 1900 - 1600
    assert summary.days_30.percent == 18.75  # 100 * 300 / 1600
    assert summary.days_90.change == 900  # 1900 - 1000
    assert summary.days_90.percent == 90.0  # 100 * 900 / 1000
    assert summary.days_90.gaps == ()
    assert summary.all_time is not None
    assert summary.all_time.start == d(-100)
    assert summary.all_time.change == 950  # 1900 - 950
    assert summary.all_time.percent == 100.0  # 100 * 950 / 950
    assert summary.all_time.gaps == (DayRange(d(-99), d(-91)),)  # 9 unknown days
    assert summary.all_time.known_days == 92  # 101 days - 9 unknown


def test_a_missing_end_gives_no_change_but_the_gap_and_labelled_bounds() -> None:
    counts = {d(-7): 1000, d(-2): 1040, d(3): 1100}
    week = growth_over(counts, T, 7)
    assert week.change is None
    assert week.percent is None
    assert week.end_count is None
    assert week.start_count == 1000
    assert week.gaps == (DayRange(d(-6), d(-3)), DayRange(d(-1), d(0)))
    assert week.start_bounds is None
    # "No count today; nearest known 2 days ago (1040)": labels, never the answer.
    assert week.end_bounds == Bounds(T, KnownDay(d(-2), 1040), KnownDay(d(3), 1100))


def test_a_missing_start_gives_no_change() -> None:
    counts = {d(-8): 990, d(0): 1000}
    week = growth_over(counts, T, 7)
    assert week.change is None  # d(-8) is eight days back, not seven
    assert week.start_bounds == Bounds(d(-7), KnownDay(d(-8), 990), KnownDay(d(0), 1000))


def test_growth_from_zero_followers_has_a_change_but_no_percent() -> None:
    g = growth_between({d(-3): 0, d(0): 25}, d(-3), T)
    assert g.change == 25  # 25 - 0
    assert g.percent is None  # 100 * 25 / 0 is undefined


def test_zero_to_zero_and_a_one_day_range() -> None:
    assert growth_between({d(-1): 0, d(0): 0}, d(-1), T).change == 0
    same = growth_between({T: 400}, T, T)
    assert (same.change, same.percent, same.known_days) == (0, 0.0, 1)  # 400 - 400


def test_losses_are_negative_growth() -> None:
    g = growth_between({d(-10): 2000, d(0): 1900}, d(-10), T)
    assert g.change == -100  # 1900 - 2000
    assert g.percent == -5.0  # 100 * -100 / 2000


def test_a_custom_range_can_end_before_today() -> None:
    g = growth_between({d(-20): 800, d(-10): 880, d(0): 1000}, d(-20), d(-10))
    assert g.change == 80  # 880 - 800
    assert g.percent == 10.0  # 100 * 80 / 800


def test_all_time_without_any_count_up_to_today_is_none() -> None:
    assert growth_all_time({}, T) is None
    assert growth_all_time({d(-5): None, d(1): 10}, T) is None  # d(1) is after today


def test_invalid_ranges_are_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        growth_between({}, T, d(-1))
    with pytest.raises(ValueError, match="a window of"):
        growth_over({}, T, -7)
