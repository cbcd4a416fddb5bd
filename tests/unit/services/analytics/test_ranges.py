"""Gaps and bounds of a daily series: unknown days are reported, never filled in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.analytics.domain.ranges import Bounds, DayRange, KnownDay, bounds, gaps, known

T = date(2026, 11, 20)


def d(offset: int) -> date:
    return T + timedelta(days=offset)


def test_gaps_are_runs_of_unknown_days_and_none_counts_as_unknown() -> None:
    # d(1) is None, d(2) absent: one run; d(4), d(5) absent at the end: another.
    counts = {d(0): 10, d(1): None, d(3): 12}
    assert gaps(counts, d(0), d(5)) == (DayRange(d(1), d(2)), DayRange(d(4), d(5)))


def test_a_fully_known_range_has_no_gaps_and_an_unknown_one_is_one_gap() -> None:
    assert gaps({d(0): 1, d(1): 0}, d(0), d(1)) == ()  # 0 is a count, not a gap
    assert gaps({}, d(0), d(2)) == (DayRange(d(0), d(2)),)


def test_a_one_day_range_and_a_reversed_one() -> None:
    assert gaps({d(0): 5}, d(0), d(0)) == ()
    assert gaps({}, d(0), d(0)) == (DayRange(d(0), d(0)),)
    with pytest.raises(ValueError, match="before it starts"):
        gaps({}, d(1), d(0))


def test_day_range_counts_both_ends() -> None:
    assert DayRange(d(0), d(0)).days == 1
    assert DayRange(d(-2), d(2)).days == 5  # -2, -1, 0, 1, 2


def test_bounds_are_the_nearest_known_days_on_each_side() -> None:
    counts = {d(-10): 90, d(-2): 98, d(-1): None, d(3): 103, d(9): 109}
    assert bounds(counts, d(0)) == Bounds(d(0), KnownDay(d(-2), 98), KnownDay(d(3), 103))
    # Before the history: nothing on the left; after it: nothing on the right.
    assert bounds(counts, d(-20)) == Bounds(d(-20), None, KnownDay(d(-10), 90))
    assert bounds(counts, d(20)) == Bounds(d(20), KnownDay(d(9), 109), None)


def test_known_drops_unknown_days() -> None:
    assert known({d(0): None, d(1): 0, d(2): 7}) == {d(1): 0, d(2): 7}
