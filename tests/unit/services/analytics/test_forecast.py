"""Forecast: a least-squares line through the recent counts, carried to the end and the goal."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from services.analytics.domain.forecast import (
    CountBand,
    DateBand,
    GoalStatus,
    fit_line,
    forecast,
)
from services.analytics.domain.program import Program

T = date(2026, 11, 20)  # today
END = date(2026, 12, 31)  # 41 days after T: 10 more in November + 31


def d(offset: int) -> date:
    return T + timedelta(days=offset)


def program(goal: int | None, end: date = END) -> Program:
    return Program(date(2026, 9, 1), end, goal, "UTC")


def linear(days: range) -> dict[date, int | None]:
    """1130 today, +10 a day: 1000 thirteen days ago."""
    return {d(x): 1130 + 10 * x for x in days}


def test_a_perfectly_straight_history_collapses_the_band() -> None:
    result = forecast(linear(range(-13, 1)), program(1500), T)  # 14 days: the minimum
    assert result is not None
    fit = result.trend.fit
    assert (fit.slope, fit.intercept, fit.residual_se) == (10.0, 1130.0, 0.0)
    assert (result.trend.first_day, result.trend.last_day) == (d(-13), T)
    assert result.at_end is not None
    assert result.at_end.expected == 1540.0  # 1130 + 10 * 41
    assert result.at_end.bands == (CountBand(0.8, 1540.0, 1540.0), CountBand(0.95, 1540.0, 1540.0))
    goal = result.goal
    assert goal.status is GoalStatus.EXPECTED
    assert goal.expected_on == date(2026, 12, 27)  # (1500 - 1130) / 10 = 37 days after Nov 20
    assert goal.bands == (
        DateBand(0.8, date(2026, 12, 27), date(2026, 12, 27)),
        DateBand(0.95, date(2026, 12, 27), date(2026, 12, 27)),
    )


# Five points, x = day - today:  x: -4   -3   -2   -1    0
#                                y: 100  103  104  108  110
# mean x = -2, mean y = 525 / 5 = 105; dx = -2 -1 0 1 2, dy = -5 -2 -1 3 5
# Sxx = 4+1+0+1+4 = 10; Sxy = 10+2+0+3+10 = 25; slope = 25/10 = 2.5; a = 105 - 2.5*(-2) = 110
# fitted 100, 102.5, 105, 107.5, 110 -> residuals 0, .5, -1, .5, 0 -> SSE = 1.5
# s = sqrt(1.5 / (5 - 2)) = sqrt(0.5) = 0.70711
NOISY: dict[date, int | None] = {d(-4): 100, d(-3): 103, d(-2): 104, d(-1): 108, T: 110}
T95, T80 = 3.182446, 1.637744  # Student t, 3 degrees of freedom, at 0.975 and 0.90 (tables)


def test_least_squares_on_a_small_noisy_series() -> None:
    fit = fit_line([((day - T).days, n) for day, n in NOISY.items() if n is not None])
    assert (fit.points, fit.slope, fit.intercept, fit.mean_x, fit.sxx) == (5, 2.5, 110.0, -2, 10)
    assert fit.residual_se == pytest.approx(math.sqrt(0.5))


def test_the_band_at_the_programs_end_for_the_noisy_series() -> None:
    result = forecast(NOISY, program(120, end=d(10)), T, window_days=5, min_points=5)
    assert result is not None
    assert result.at_end is not None
    assert result.at_end.expected == 135.0  # 110 + 2.5 * 10
    # half width = t * s * sqrt(1 + 1/5 + (10 - (-2))^2 / 10) = t * 0.70711 * sqrt(15.6)
    #            = t * 0.70711 * 3.94968 = t * 2.79285
    low80, high80 = result.at_end.bands[0].low, result.at_end.bands[0].high
    low95, high95 = result.at_end.bands[1].low, result.at_end.bands[1].high
    assert (low80, high80) == pytest.approx((130.426, 139.574), abs=1e-3)  # 1.63774 * 2.79285
    assert (low95, high95) == pytest.approx((126.112, 143.888), abs=1e-3)  # 3.18245 * 2.79285
    assert high80 - 135.0 == pytest.approx(T80 * math.sqrt(0.5) * math.sqrt(15.6))


def test_the_goal_date_and_its_band_for_the_noisy_series() -> None:
    result = forecast(NOISY, program(120, end=d(10)), T, window_days=5, min_points=5)
    assert result is not None
    goal = result.goal
    assert goal.status is GoalStatus.EXPECTED
    assert goal.expected_on == d(4)  # 110 + 2.5 x = 120 -> x = 4
    # edge(x) = 110 + 2.5x -/+ t * 0.70711 * sqrt(1.2 + (x + 2)^2 / 10)
    # 95% (t * s = 2.25035): upper x=2: 115 + 2.25035 * 1.67332 = 118.77 < 120,
    #                              x=3: 117.5 + 2.25035 * 1.92354 = 121.83 -> earliest d(3)
    #                        lower x=6: 125 - 2.25035 * 2.75681 = 118.80 < 120,
    #                              x=7: 127.5 - 2.25035 * 3.04959 = 120.64 -> latest d(7)
    # 80% (t * s = 1.15807): upper x=3: 117.5 + 1.15807 * 1.92354 = 119.73 < 120,
    #                              x=4: 120 + ... >= 120 -> earliest d(4)
    #                        lower x=5: 122.5 - 1.15807 * 2.46982 = 119.64 < 120,
    #                              x=6: 125 - 1.15807 * 2.75681 = 121.81 -> latest d(6)
    assert goal.bands == (DateBand(0.8, d(4), d(6)), DateBand(0.95, d(3), d(7)))


def test_too_few_known_days_give_no_forecast_and_gaps_are_not_filled() -> None:
    counts = linear(range(-13, 1))
    counts[d(-5)] = None  # 13 known days left
    assert forecast(counts, program(1500), T) is None
    counts[d(-20)] = 930  # 21 days back: known, but more than 14 days are needed in 60 days
    assert forecast(counts, program(1500), T) is not None  # 14 known days again
    assert forecast(counts, program(1500), T, window_days=14) is None  # d(-20) is outside


def test_the_window_is_the_last_w_days_today_included() -> None:
    # Flat at 500 long ago, then +10 a day over the last 14 days: only those are fitted.
    counts = {d(x): 500 for x in range(-60, -14)} | linear(range(-13, 1))
    result = forecast(counts, program(1500), T, window_days=14)
    assert result is not None
    assert (result.trend.first_day, result.trend.fit.slope) == (d(-13), 10.0)


def test_without_todays_count_the_goal_is_searched_from_today() -> None:
    counts = linear(range(-14, 0))  # yesterday 1120 is the latest count
    result = forecast(counts, program(1130), T)
    assert result is not None
    assert result.goal.status is GoalStatus.EXPECTED
    assert result.goal.expected_on == T  # the line gives 1130 today; no count says otherwise yet


def test_goal_already_reached_no_goal_flat_and_falling_trends() -> None:
    counts = linear(range(-13, 1))
    reached = forecast(counts, program(1130), T)
    assert reached is not None
    assert reached.goal.status is GoalStatus.ALREADY_REACHED  # today's 1130 >= 1130
    assert (reached.goal.expected_on, reached.goal.bands) == (None, ())
    no_goal = forecast(counts, program(None), T)
    assert no_goal is not None
    assert no_goal.goal.status is GoalStatus.NO_GOAL
    flat = forecast({d(x): 700 for x in range(-13, 1)}, program(800), T)
    assert flat is not None
    assert flat.goal.status is GoalStatus.NEVER
    assert flat.goal.expected_on is None
    assert flat.goal.bands == (DateBand(0.8, None, None), DateBand(0.95, None, None))
    falling = forecast({d(x): 700 - 5 * x for x in range(-13, 1)}, program(800), T)
    assert falling is not None
    assert falling.goal.status is GoalStatus.NEVER


def test_a_slow_rise_is_beyond_the_horizon() -> None:
    # 1000 for seven days, then 1001: a slope of about 0.09 a day needs ~11 million days.
    counts = {d(x): 1000 if x < -6 else 1001 for x in range(-13, 1)}
    result = forecast(counts, program(1_000_000), T)
    assert result is not None
    assert result.trend.fit.slope > 0
    assert result.goal.status is GoalStatus.BEYOND_HORIZON
    assert result.goal.expected_on is None


def test_counts_are_never_forecast_below_zero_and_an_ended_program_has_no_end_forecast() -> None:
    falling = {d(x): -10 * x for x in range(-13, 1)}  # 130 down to 0 today
    result = forecast(falling, program(None, end=d(5)), T)
    assert result is not None
    assert result.at_end is not None
    assert result.at_end.expected == 0.0  # the line says 0 - 10 * 5 = -50
    assert result.at_end.bands[1] == CountBand(0.95, 0.0, 0.0)
    ended = forecast(linear(range(-13, 1)), program(2000, end=T), T)
    assert ended is not None
    assert ended.at_end is None  # the end is today: history, not forecast


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_line([(0, 1), (1, 2)])  # two points leave no error estimate
    with pytest.raises(ValueError, match="same day"):
        fit_line([(0, 1), (0, 2), (0, 3)])  # one day only
    with pytest.raises(ValueError, match="min_points"):
        forecast({}, program(None), T, min_points=2)
