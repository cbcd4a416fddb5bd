"""Program start versus now, and the followers won during each deliverable's window."""

from __future__ import annotations

from datetime import date

import pytest

from services.analytics.domain.program import (
    Deliverable,
    Program,
    deliverable_gains,
    round_half_away,
    start_vs_now,
)
from services.analytics.domain.ranges import Bounds, DayRange, KnownDay

PROGRAM = Program(date(2026, 9, 1), date(2027, 2, 28), goal=20_000, timezone="Europe/London")
TODAY = date(2026, 11, 20)


def test_the_seeds_start_versus_now() -> None:
    counts = {date(2026, 8, 20): 4_900, date(2026, 9, 1): 5_000, TODAY: 15_234}
    result = start_vs_now(counts, PROGRAM, TODAY)
    assert (result.start_day, result.start_substituted) == (date(2026, 9, 1), False)
    assert (result.start_count, result.now_day, result.now_count) == (5_000, TODAY, 15_234)
    assert result.change == 10_234  # 15,234 - 5,000
    assert result.percent == pytest.approx(204.68)  # 100 * 10,234 / 5,000
    assert result.percent_rounded == 205  # "+204%" in the seed truncated; we round 204.68 up


def test_a_start_before_the_history_uses_the_first_known_day_and_says_so() -> None:
    counts = {date(2026, 9, 10): 8_000, date(2026, 11, 19): 9_000, TODAY: None}
    result = start_vs_now(counts, PROGRAM, TODAY)
    assert (result.start_day, result.start_substituted) == (date(2026, 9, 10), True)
    assert result.now_day == date(2026, 11, 19)  # today has no count yet: latest known day
    assert result.change == 1_000  # 9,000 - 8,000
    assert result.percent == 12.5  # 100 * 1,000 / 8,000
    assert result.percent_rounded == 13  # half away from zero


def test_a_start_day_missing_inside_the_history_gives_no_answer_but_bounds() -> None:
    counts = {date(2026, 8, 31): 4_990, date(2026, 9, 2): 5_010, TODAY: 6_000}
    result = start_vs_now(counts, PROGRAM, TODAY)
    assert (result.start_day, result.start_count, result.change, result.percent) == (
        None,
        None,
        None,
        None,
    )
    assert result.start_bounds == Bounds(
        date(2026, 9, 1), KnownDay(date(2026, 8, 31), 4_990), KnownDay(date(2026, 9, 2), 5_010)
    )
    assert result.now_count == 6_000


def test_zero_followers_at_the_start_no_history_and_a_program_not_started() -> None:
    zero = start_vs_now({date(2026, 9, 1): 0, TODAY: 300}, PROGRAM, TODAY)
    assert (zero.change, zero.percent, zero.percent_rounded) == (300, None, None)
    empty = start_vs_now({}, PROGRAM, TODAY)
    assert (empty.start_day, empty.now_day, empty.change) == (None, None, None)
    later = Program(date(2026, 12, 1), date(2027, 3, 1), None, "UTC")
    future = start_vs_now({TODAY: 10}, later, TODAY)
    assert (future.start_day, future.start_bounds, future.now_count) == (None, None, 10)


def test_rounding_halves_away_from_zero() -> None:
    assert round_half_away(204.68) == 205
    assert round_half_away(12.5) == 13  # Python's round() would give 12
    assert round_half_away(-12.5) == -13
    assert round_half_away(2.4999) == 2
    assert round_half_away(0.0) == 0


COUNTS = {
    date(2026, 9, 1): 5_000,
    date(2026, 10, 1): 5_400,
    date(2026, 10, 8): 5_480,
    date(2026, 11, 1): 6_000,  # Nov 15 has no count
}
M1 = Deliverable("M1", "Brand audit", date(2026, 10, 1), completed_on=date(2026, 10, 1))
M2 = Deliverable("M2", "Content plan", date(2026, 11, 1), completed_on=date(2026, 11, 15))
M3 = Deliverable("M3", "Launch", date(2026, 12, 1))  # not completed


def test_each_deliverable_window_runs_from_the_previous_completion() -> None:
    m1, m2 = deliverable_gains(COUNTS, PROGRAM, [M3, M2, M1], TODAY, after_days=7)
    assert m1.deliverable == M1
    assert m1.window is not None
    assert (m1.window.start, m1.window.end) == (date(2026, 9, 1), date(2026, 10, 1))
    assert m1.window.change == 400  # 5,400 - 5,000
    assert m1.label() == "M1 Complete (Oct 1): +400 followers"
    assert m1.after is not None
    assert m1.after.change == 80  # Oct 8 - Oct 1: 5,480 - 5,400
    assert m2.window is not None
    assert m2.window.start == date(2026, 10, 1)
    assert m2.window.change is None  # no count on Nov 15
    assert m2.window.end_bounds == Bounds(
        date(2026, 11, 15), KnownDay(date(2026, 11, 1), 6_000), None
    )
    assert DayRange(date(2026, 11, 2), date(2026, 11, 15)) in m2.window.gaps
    assert m2.label() == "M2 Complete (Nov 15): no count"
    assert m2.after is None  # Nov 22 has not come yet (today is Nov 20)


def test_labels_and_a_deliverable_done_before_the_program() -> None:
    counts = {date(2026, 9, 1): 100, date(2026, 9, 2): 101, date(2026, 9, 3): 1_336}
    early = Deliverable("M0", "Kick-off", date(2026, 8, 1), completed_on=date(2026, 8, 25))
    one = Deliverable("M1", "a", date(2026, 9, 2), completed_on=date(2026, 9, 2))
    two = Deliverable("M2", "b", date(2026, 9, 3), completed_on=date(2026, 9, 3))
    m0, m1, m2 = deliverable_gains(counts, PROGRAM, [two, one, early], TODAY, after_days=0)
    assert m0.window is None  # completed before the program started: no window
    assert m1.label() == "M1 Complete (Sep 2): +1 follower"  # 101 - 100
    assert m2.label() == "M2 Complete (Sep 3): +1,235 followers"  # 1,336 - 101
    assert m1.after is not None
    assert m1.after.change == 0  # zero days after: Sep 2 - Sep 2
    loss = deliverable_gains({date(2026, 9, 1): 50, date(2026, 9, 2): 30}, PROGRAM, [one], TODAY)
    assert loss[0].label() == "M1 Complete (Sep 2): -20 followers"  # 30 - 50
    with pytest.raises(ValueError, match="after_days"):
        deliverable_gains(counts, PROGRAM, [one], TODAY, after_days=-1)


def test_no_completed_deliverables_and_a_reversed_program() -> None:
    assert deliverable_gains(COUNTS, PROGRAM, [M3], TODAY) == ()
    with pytest.raises(ValueError, match="before it starts"):
        Program(date(2026, 9, 1), date(2026, 8, 1), None, "UTC")
