"""Rebuilding daily follower counts from what platforms report — never guessing."""

from __future__ import annotations

from datetime import date, timedelta

from services.ingestor.domain.backfill import rebuild
from shared.platforms.base import HistoryPoint

TODAY = date(2026, 11, 20)


def day(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_counts_are_rebuilt_backwards_from_today() -> None:
    history = [
        HistoryPoint(day(3), followers_gained=10),
        HistoryPoint(day(2), followers_gained=20, followers_lost=5),
        HistoryPoint(day(1), followers_gained=30),
    ]
    days = rebuild(history, today=TODAY, followers_today=1000)
    # start of yesterday = 1000 - 30; the day before = 970 - 15; then 955 - 10
    assert [(d.day, d.followers) for d in days] == [(day(3), 945), (day(2), 955), (day(1), 970)]
    assert days[1].metrics == {"followers_gained": 20.0, "followers_lost": 5.0}


def test_the_chain_stops_at_an_unknown_day() -> None:
    history = [
        HistoryPoint(day(4), followers_gained=1),
        HistoryPoint(day(3), followers_gained=None),  # e.g. empty value from the platform
        HistoryPoint(day(2), followers_gained=2),
        HistoryPoint(day(1), followers_gained=3),
    ]
    counts = {d.day: d.followers for d in rebuild(history, today=TODAY, followers_today=100)}
    assert counts == {day(4): None, day(3): None, day(2): 95, day(1): 97}


def test_a_reporting_lag_leaves_counts_unknown_but_keeps_the_changes() -> None:
    """YouTube's Analytics stops at today - 2: yesterday's change is unknown, so no count."""
    history = [HistoryPoint(day(3), followers_gained=4), HistoryPoint(day(2), followers_gained=6)]
    days = rebuild(history, today=TODAY, followers_today=500)
    assert [d.followers for d in days] == [None, None]
    assert [d.metrics["followers_gained"] for d in days] == [4.0, 6.0]


def test_a_young_account_is_counted_forwards_from_zero() -> None:
    history = [HistoryPoint(day(3), followers_gained=4), HistoryPoint(day(2), followers_gained=6)]
    days = rebuild(history, today=TODAY, followers_today=500, requested_start=day(30))
    assert [d.followers for d in days] == [0, 4]


def test_absolute_counts_are_taken_as_given() -> None:
    history = [HistoryPoint(day(2), followers=700), HistoryPoint(day(1), followers=710)]
    days = rebuild(history, today=TODAY, followers_today=None)
    assert [d.followers for d in days] == [700, 710]


def test_today_and_future_points_are_not_backfilled() -> None:
    history = [HistoryPoint(TODAY, followers=1), HistoryPoint(day(-1), followers=2)]
    assert rebuild(history, today=TODAY, followers_today=3) == []
