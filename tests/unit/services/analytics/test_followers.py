"""Follower counts from hand-made platform answers: only true numbers, never invented ones.

Convention: a day's count is the count at the start of the day, and a day's gains and losses
happen during it, so count(d + 1) = count(d) + gained(d) - lost(d). Every expected row below is
worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.analytics.domain.followers import (
    Count,
    DayFacts,
    DroppedChain,
    Source,
    follower_counts,
)

T = date(2026, 11, 20)  # the connection's first live day ("today")

OBS, R = Source.OBSERVED, Source.REBUILT


def d(offset: int) -> date:
    return T + timedelta(days=offset)


def counts(*facts: DayFacts) -> dict[date, tuple[int, Source]]:
    found, _ = follower_counts(facts)
    return {day: (c.value, c.source) for day, c in found.items()}


def test_net_changes_rebuild_the_days_before_a_live_count() -> None:
    """YouTube: subscribersGained and subscribersLost every day."""
    assert counts(
        DayFacts(d(-3), gained=20, lost=0),
        DayFacts(d(-2), gained=5, lost=8),
        DayFacts(d(-1), gained=12, lost=2),
        DayFacts(d(0), observed=1000),
    ) == {
        d(-1): (990, R),  # 1000 - (12 - 2)
        d(-2): (993, R),  # 990 - (5 - 8)
        d(-3): (973, R),  # 993 - (20 - 0)
        d(0): (1000, OBS),
    }


def test_gains_only_never_make_totals() -> None:
    """Instagram's follower_count, LinkedIn's gains, Facebook's follows: losses are unknown, so
    a LinkedIn account losing followers all year is not stored flat at today's count."""
    assert counts(
        DayFacts(d(-3), gained=4),
        DayFacts(d(-2), gained=0),
        DayFacts(d(-1), gained=7),
        DayFacts(d(0), observed=500),
    ) == {d(0): (500, OBS)}


def test_absolute_counts_are_taken_as_given() -> None:
    """Facebook's page_follows: the platform's own daily total, even where gains disagree."""
    assert counts(
        DayFacts(d(-2), observed=700, gained=9),
        DayFacts(d(-1), observed=702, gained=1),
        DayFacts(d(0), observed=705),
    ) == {d(-2): (700, OBS), d(-1): (702, OBS), d(0): (705, OBS)}


def test_a_reporting_lag_leaves_the_past_unknown_until_the_rows_arrive() -> None:
    """YouTube Analytics stops two days before today: nothing links the backfill to today."""
    backfill = [DayFacts(d(-5 + i), gained=10, lost=4) for i in range(3)]  # d-5 … d-3
    live = [DayFacts(d(0), observed=1000), DayFacts(d(1), observed=1006)]
    assert counts(*backfill, *live) == {d(0): (1000, OBS), d(1): (1006, OBS)}
    # Three days later the re-fetch brings d-2 and d-1 (net +6 each): the chain reaches back.
    lagged = [DayFacts(d(-2), gained=6, lost=0), DayFacts(d(-1), gained=8, lost=2)]
    assert counts(*backfill, *lagged, *live) == {
        d(-1): (994, R),  # 1000 - 6
        d(-2): (988, R),  # 994 - 6
        d(-3): (982, R),  # 988 - (10 - 4)
        d(-4): (976, R),
        d(-5): (970, R),
        d(0): (1000, OBS),
        d(1): (1006, OBS),
    }


def test_a_young_account_counts_forwards_from_its_stated_zero() -> None:
    """A channel created at d-4 (YouTube states the day: followers 0 at its start)."""
    assert counts(
        DayFacts(d(-4), observed=0, gained=3, lost=0),
        DayFacts(d(-3), gained=10, lost=1),
        DayFacts(d(-2), gained=2, lost=2),
    ) == {
        d(-4): (0, OBS),
        d(-3): (3, R),  # 0 + 3
        d(-2): (12, R),  # 3 + 10 - 1
        # d-1 has no row: 12 + 0 would be its count, but a day with no row is never invented.
    }


def test_rows_ending_before_today_are_never_counted_from_a_made_up_zero() -> None:
    """The old "forwards from zero" bug: rows end before today and nothing states a count."""
    rows = [DayFacts(d(-30 + i), gained=1, lost=2) for i in range(28)]  # d-30 … d-3
    assert counts(*rows, DayFacts(d(0), observed=20_000)) == {d(0): (20_000, OBS)}


def test_a_missing_day_stops_the_chain() -> None:
    assert counts(
        DayFacts(d(-4), gained=1, lost=0),
        DayFacts(d(-3), gained=1, lost=0),
        # no row for d-2
        DayFacts(d(-1), gained=5, lost=1),
        DayFacts(d(0), observed=100),
    ) == {d(-1): (96, R), d(0): (100, OBS)}  # 100 - (5 - 1); d-3 and d-4 cannot be reached


def test_a_chain_below_zero_is_dropped_whole_and_reported() -> None:
    """Today 5 followers, yet yesterday's gains say 10 came: the changes do not fit the count."""
    found, dropped = follower_counts(
        [
            DayFacts(d(-2), gained=0, lost=0),
            DayFacts(d(-1), gained=10, lost=0),
            DayFacts(d(0), observed=5),
        ]
    )
    assert found == {d(0): Count(5, OBS, d(0))}  # not 5 - 10 = -5, and not d-2 either
    assert dropped == [
        DroppedChain(anchor=d(0), anchor_count=5, first=d(-2), last=d(-1), lowest=-5)
    ]


def test_the_nearer_anchor_wins_and_a_tie_goes_to_the_later_one() -> None:
    """Two live counts ten days apart whose platform changes disagree by 9 followers."""
    rows = [DayFacts(d(i), gained=3, lost=0) for i in range(1, 10)]  # d+1 … d+9, +3 a day
    found, _ = follower_counts(
        [DayFacts(d(0), observed=100, gained=3, lost=0), *rows, DayFacts(d(10), observed=121)]
    )
    # Forwards from 100: d+k = 100 + 3k. Backwards from 121: d+k = 121 - 3(10 - k) = 91 + 3k.
    assert {day: (c.value, c.anchor) for day, c in found.items() if c.source is R} == {
        d(1): (103, d(0)),
        d(2): (106, d(0)),
        d(3): (109, d(0)),
        d(4): (112, d(0)),
        d(5): (106, d(10)),  # five days from each: the later anchor, 91 + 15
        d(6): (109, d(10)),
        d(7): (112, d(10)),
        d(8): (115, d(10)),
        d(9): (118, d(10)),
    }


def test_the_count_of_an_observed_day_is_never_replaced_by_a_chain() -> None:
    assert counts(
        DayFacts(d(-1), observed=50, gained=100, lost=0),
        DayFacts(d(0), observed=60),
    ) == {d(-1): (50, OBS), d(0): (60, OBS)}
