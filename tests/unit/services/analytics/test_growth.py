"""Follower growth from stored counts only: an N-day change spans exactly N days, or is None."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.analytics.domain.followers import DayFacts, Source
from services.analytics.domain.growth import Growth, change, derive, growth_on, growth_pct

AS_OF = date(2026, 11, 20)


def day(offset: int) -> date:
    """``offset`` days before AS_OF."""
    return AS_OF - timedelta(days=offset)


def test_daily_history_gives_each_window() -> None:
    # 1000 followers 30 days ago, +10 a day since: 1300 today.
    counts = {day(n): 1000 + 10 * (30 - n) for n in range(31)}
    assert change(counts, AS_OF, 1) == 10
    assert change(counts, AS_OF, 7) == 70
    assert change(counts, AS_OF, 30) == 300
    assert growth_pct(counts, AS_OF, 7) == 5.69  # 100 * 70 / 1230 = 5.691…
    assert growth_pct(counts, AS_OF, 30) == 30.0  # 100 * 300 / 1000


def test_a_window_without_its_exact_start_is_unknown_not_a_longer_one() -> None:
    # Nothing 7 days ago: the count 9 days ago does not make a "7-day" change of 100.
    counts = {day(40): 500, day(9): 900, day(5): 950, day(0): 1000}
    assert change(counts, AS_OF, 7) is None
    assert growth_pct(counts, AS_OF, 7) is None
    assert change(counts, AS_OF, 1) is None  # the old bug: 1-day change spanning days
    assert change(counts, AS_OF, 5) == 50  # 1000 - 950: exactly five days


def test_without_todays_count_every_change_is_unknown() -> None:
    counts = {day(n): 100 + n for n in range(1, 40)}
    assert growth_on(counts, AS_OF) == Growth()


def test_growth_from_zero_is_unknown_but_the_change_is_known() -> None:
    counts = {day(7): 0, day(0): 40}
    assert change(counts, AS_OF, 7) == 40
    assert growth_pct(counts, AS_OF, 7) is None


def test_losses_give_negative_change_and_growth() -> None:
    counts = {day(7): 2000, day(1): 1900, day(0): 1850}
    assert growth_on(counts, AS_OF, Source.OBSERVED) == Growth(
        followers=1850,
        source=Source.OBSERVED,
        change_1d=-50,  # 1850 - 1900
        change_7d=-150,  # 1850 - 2000
        change_30d=None,
        growth_pct_7d=-7.5,  # 100 * -150 / 2000
        growth_pct_30d=None,
    )


@pytest.mark.parametrize("days", [1, 7, 30])
def test_history_only_inside_the_window_is_unknown(days: int) -> None:
    counts = {day(n): 1000 + n for n in range(days)}
    assert change(counts, AS_OF, days) is None
    assert growth_pct(counts, AS_OF, days) is None


def test_derive_rebuilds_then_measures() -> None:
    """Net changes chain a live count backwards; the changes are then taken over the chain."""
    facts = [DayFacts(day(n), gained=12, lost=2) for n in range(8, 0, -1)]  # +10 a day
    facts.append(DayFacts(AS_OF, observed=1080))
    derived, dropped = derive(facts)
    assert dropped == []
    assert derived[AS_OF] == Growth(
        followers=1080,
        source=Source.OBSERVED,
        change_1d=10,  # 1080 - 1070 (rebuilt: 1080 - 10)
        change_7d=70,  # 1080 - 1010
        change_30d=None,
        growth_pct_7d=6.93,  # 100 * 70 / 1010 = 6.930…
        growth_pct_30d=None,
    )
    assert derived[day(8)] == Growth(followers=1000, source=Source.REBUILT)  # 1080 - 8 * 10
