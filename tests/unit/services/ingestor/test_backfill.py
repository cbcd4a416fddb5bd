"""Which history a sync asks for, and that the ingestor passes it on without working it out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.ingestor.domain.backfill import history_days
from services.ingestor.models import KnownConnection
from services.ingestor.syncing import backfill_snapshots
from shared.events import SyncReason, SyncRequested
from shared.platforms import Platform
from shared.platforms.base import HistoryPoint

TODAY = date(2026, 11, 20)
FETCHED = datetime(2026, 11, 20, 3, 0, 12, tzinfo=UTC)


def day(n: int) -> date:
    return TODAY - timedelta(days=n)


def window(*, backfill: bool = False, connected_days_ago: int | None = None) -> int:
    return history_days(
        backfill=backfill,
        connected_on=day(connected_days_ago) if connected_days_ago is not None else None,
        today=TODAY,
        backfill_days=365,
        settle_days=7,
    )


def test_an_initial_sync_asks_for_the_whole_window() -> None:
    assert window(backfill=True, connected_days_ago=0) == 365


@pytest.mark.parametrize(
    ("connected_days_ago", "days"),
    [
        (0, 0),  # the connection day itself: the initial sync has just asked
        (1, 8),  # since 7 days before the connection: 1 + 7
        (3, 10),  # YouTube's lag is over by now: 3 + 7
        (7, 14),  # the last day of the settling week
        (8, 0),  # settled: daily syncs take the live figures only
        (400, 0),
    ],
)
def test_the_days_after_connecting_ask_again_for_the_lagged_days(
    connected_days_ago: int, days: int
) -> None:
    assert window(connected_days_ago=connected_days_ago) == days


def test_without_a_connection_date_nothing_is_asked_again() -> None:
    assert window() == 0
    assert (
        history_days(
            backfill=False, connected_on=day(2), today=TODAY, backfill_days=365, settle_days=0
        )
        == 0
    )


def test_the_settle_window_never_exceeds_the_backfill_window() -> None:
    assert (
        history_days(
            backfill=False, connected_on=day(5), today=TODAY, backfill_days=6, settle_days=7
        )
        == 6
    )


def test_backfill_snapshots_carry_what_the_platform_stated_and_nothing_else() -> None:
    connection_id = uuid.uuid4()
    request = SyncRequested(
        connection_id=connection_id,
        client_id="c-1",
        platform=Platform.YOUTUBE,
        reason=SyncReason.INITIAL,
        backfill=True,
    )
    connection = KnownConnection(
        connection_id=connection_id,
        client_id="c-1",
        platform=Platform.YOUTUBE,
        platform_user_id="UC1",
        username="@steady",
    )
    history = [
        HistoryPoint(day(1), followers_gained=12, followers_lost=2, metrics={"views": 900.0}),
        HistoryPoint(day(3), followers=0, followers_gained=5, followers_lost=0),  # created
        HistoryPoint(day(2), followers_gained=4),  # gains only
        HistoryPoint(TODAY, followers_gained=1, followers_lost=0),  # not a past day
    ]
    snapshots = backfill_snapshots(request, connection, history, fetched_at=FETCHED)
    assert [
        (s.snapshot_date, s.followers, s.followers_gained, s.followers_lost, s.backfill)
        for s in snapshots
    ] == [
        (day(3), 0, 5, 0, True),
        (day(2), None, 4, None, True),  # no count worked out from the live one
        (day(1), None, 12, 2, True),
    ]
    assert snapshots[2].views == 900
    assert snapshots[2].platform_metrics == {
        "views": 900.0,
        "followers_gained": 12.0,
        "followers_lost": 2.0,
    }
