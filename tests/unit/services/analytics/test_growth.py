"""Follower growth from real daily history only: unknown stays None, never a guess."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from services.analytics.domain.growth import (
    DailyPoint,
    change,
    growth_pct,
    summarize,
    value_on_or_before,
)

AS_OF = date(2026, 11, 20)


def day(offset: int) -> date:
    """``offset`` days before AS_OF."""
    return AS_OF - timedelta(days=offset)


def points(*pairs: tuple[int, int | None]) -> list[DailyPoint]:
    return [DailyPoint(day(offset), followers) for offset, followers in pairs]


def test_daily_history_gives_each_window() -> None:
    # 1000 followers 30 days ago, +10 a day since.
    series = [DailyPoint(day(n), 1000 + 10 * (30 - n)) for n in range(31)]
    assert change(series, AS_OF, 1) == 10
    assert change(series, AS_OF, 7) == 70
    assert change(series, AS_OF, 30) == 300
    assert growth_pct(series, AS_OF, 7) == round(100 * 70 / 1230, 2)
    assert growth_pct(series, AS_OF, 30) == 30.0


def test_gap_uses_latest_observation_on_or_before_window_start() -> None:
    # No observation exactly 7 days ago: the one 9 days ago is the start of the window.
    series = points((40, 500), (9, 900), (5, 950), (0, 1000))
    assert change(series, AS_OF, 7) == 1000 - 900
    assert growth_pct(series, AS_OF, 7) == round(100 * 100 / 900, 2)
    # 30 days back falls between the 40-day and 9-day observations: the older one starts it.
    assert change(series, AS_OF, 30) == 1000 - 500
    assert growth_pct(series, AS_OF, 30) == 100.0


def test_observation_exactly_on_window_start_is_used() -> None:
    series = points((8, 100), (7, 200), (0, 260))
    assert change(series, AS_OF, 7) == 60


@pytest.mark.parametrize("days", [1, 7, 30])
def test_no_history_before_window_start_is_unknown(days: int) -> None:
    # History only inside the window: no shorter-window number is made up.
    series = [DailyPoint(day(n), 1000 + n) for n in range(days)]
    assert change(series, AS_OF, days) is None
    assert growth_pct(series, AS_OF, days) is None


def test_summary_of_a_fresh_connection_is_unknown_beyond_its_history() -> None:
    series = points((3, 100), (2, 110), (1, 120), (0, 130))
    summary = summarize(series, AS_OF)
    assert summary.followers == 130
    assert summary.change_1d == 10
    assert summary.change_7d is None
    assert summary.change_30d is None
    assert summary.growth_pct_7d is None
    assert summary.growth_pct_30d is None


def test_empty_history() -> None:
    summary = summarize([], AS_OF)
    assert summary.followers is None
    assert (summary.change_1d, summary.change_7d, summary.change_30d) == (None, None, None)
    assert (summary.growth_pct_7d, summary.growth_pct_30d) == (None, None)


def test_growth_pct_is_unknown_when_start_is_zero() -> None:
    series = points((7, 0), (0, 50))
    assert change(series, AS_OF, 7) == 50  # the change itself is known
    assert growth_pct(series, AS_OF, 7) is None  # but not as a percentage of zero


def test_negative_growth() -> None:
    series = points((30, 2000), (7, 1000), (1, 960), (0, 950))
    assert change(series, AS_OF, 1) == -10
    assert change(series, AS_OF, 7) == -50
    assert growth_pct(series, AS_OF, 7) == -5.0
    assert change(series, AS_OF, 30) == -1050
    assert growth_pct(series, AS_OF, 30) == -52.5


def test_unsorted_input_gives_the_same_answers() -> None:
    ordered = [DailyPoint(day(n), 5000 - 3 * n * n) for n in range(0, 35, 2)]
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != ordered
    for days in (1, 7, 30):
        assert change(shuffled, AS_OF, days) == change(ordered, AS_OF, days)
        assert growth_pct(shuffled, AS_OF, days) == growth_pct(ordered, AS_OF, days)
    assert summarize(shuffled, AS_OF) == summarize(ordered, AS_OF)
    # Sanity check on the ordered series itself: 8 days back is the window start for 7 days.
    assert change(ordered, AS_OF, 7) == 5000 - (5000 - 3 * 64)


def test_points_without_followers_are_ignored() -> None:
    # The observation 7 days ago has no follower count: the start falls back to 8 days ago.
    series = points((8, 800), (7, None), (3, None), (0, 1000))
    assert change(series, AS_OF, 7) == 200
    assert growth_pct(series, AS_OF, 7) == 25.0


def test_points_after_as_of_are_ignored() -> None:
    series = [*points((7, 100), (0, 150)), DailyPoint(AS_OF + timedelta(days=1), 999)]
    assert change(series, AS_OF, 7) == 50
    assert summarize(series, AS_OF).followers == 150


def test_summary_takes_engagement_and_posts_from_the_as_of_day_only() -> None:
    series = [
        DailyPoint(day(1), 100, engagement_rate=4.0, posts=10),
        DailyPoint(day(0), 101, engagement_rate=2.5, posts=11),
    ]
    summary = summarize(series, AS_OF)
    assert (summary.engagement_rate, summary.posts) == (2.5, 11)
    stale = summarize(series[:1], AS_OF)
    assert (stale.engagement_rate, stale.posts) == (None, None)


def test_value_on_or_before() -> None:
    series = points((10, 1), (5, 2), (0, 3))
    series.sort(key=lambda p: p.day)
    assert value_on_or_before(series, day(11)) is None
    found = value_on_or_before(series, day(6))
    assert found is not None
    assert found.followers == 1
    found = value_on_or_before(series, day(5))
    assert found is not None
    assert found.followers == 2


def test_single_observation_before_window_is_not_zero_growth() -> None:
    # One observation 10 days ago and nothing since: growth over the last 7 days is unknown.
    series = points((10, 1000))
    assert change(series, AS_OF, 7) is None
    assert growth_pct(series, AS_OF, 7) is None


def test_missing_today_is_not_zero_daily_change() -> None:
    series = points((2, 980), (1, 1000), (0, None))
    assert summarize(series, AS_OF).change_1d is None
