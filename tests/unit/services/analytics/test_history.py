"""Which snapshot of a day wins: live beats backfill, then the later fetch."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.analytics.app import MIGRATIONS
from services.analytics.history import apply_connection_event, supersedes
from services.analytics.models import DailySnapshot, TrackedConnection
from shared import clock
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import (
    AccountSnapshot,
    ConnectionEstablished,
    ReauthorizationRequired,
    TokenExpiringSoon,
)
from shared.platforms import Platform

CONNECTION_ID = uuid.uuid4()
DAY = date(2026, 11, 19)
T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def incoming(*, backfill: bool, fetched_at: datetime) -> AccountSnapshot:
    return AccountSnapshot(
        connection_id=CONNECTION_ID,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        platform_user_id="1784",
        username="steady_creator",
        snapshot_date=DAY,
        fetched_at=fetched_at,
        backfill=backfill,
        followers=100,
    )


def stored(*, backfill: bool, fetched_at: datetime, naive: bool = False) -> DailySnapshot:
    # SQLite hands timestamps back naive (in UTC): both forms must compare the same way.
    when = fetched_at.replace(tzinfo=None) if naive else fetched_at
    return DailySnapshot(
        connection_id=CONNECTION_ID,
        snapshot_date=DAY,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        username="steady_creator",
        followers=90,
        backfill=backfill,
        fetched_at=when,
    )


LATER = T0 + timedelta(hours=1)
EARLIER = T0 - timedelta(hours=1)


@pytest.mark.parametrize("backfill", [True, False])
def test_first_snapshot_of_a_day_is_stored(backfill: bool) -> None:
    assert supersedes(incoming(backfill=backfill, fetched_at=T0), None)


@pytest.mark.parametrize("naive", [False, True], ids=["aware", "naive"])
@pytest.mark.parametrize("fetched_at", [EARLIER, T0, LATER], ids=["earlier", "same", "later"])
def test_live_beats_backfill_whatever_the_fetch_time(naive: bool, fetched_at: datetime) -> None:
    existing = stored(backfill=True, fetched_at=T0, naive=naive)
    assert supersedes(incoming(backfill=False, fetched_at=fetched_at), existing)


@pytest.mark.parametrize("naive", [False, True], ids=["aware", "naive"])
@pytest.mark.parametrize("fetched_at", [EARLIER, T0, LATER], ids=["earlier", "same", "later"])
def test_backfill_never_overwrites_live(naive: bool, fetched_at: datetime) -> None:
    existing = stored(backfill=False, fetched_at=T0, naive=naive)
    assert not supersedes(incoming(backfill=True, fetched_at=fetched_at), existing)


@pytest.mark.parametrize("backfill", [False, True], ids=["live", "backfill"])
@pytest.mark.parametrize("naive", [False, True], ids=["aware", "naive"])
def test_between_two_of_a_kind_the_later_fetch_wins(backfill: bool, naive: bool) -> None:
    existing = stored(backfill=backfill, fetched_at=T0, naive=naive)
    assert supersedes(incoming(backfill=backfill, fetched_at=LATER), existing)
    assert not supersedes(incoming(backfill=backfill, fetched_at=EARLIER), existing)


@pytest.mark.parametrize("naive", [False, True], ids=["aware", "naive"])
def test_identical_redelivery_supersedes(naive: bool) -> None:
    # So that the derived MetricsUpdated event is published again after a redelivery.
    existing = stored(backfill=False, fetched_at=T0, naive=naive)
    assert supersedes(incoming(backfill=False, fetched_at=T0), existing)


def test_fetch_times_compare_as_instants_across_time_zones() -> None:
    existing = stored(backfill=False, fetched_at=T0)  # 06:00 UTC
    # 07:30 at UTC+2 is 05:30 UTC: earlier than what is stored, although the wall clock reads later.
    plus_two = datetime(2026, 11, 20, 7, 30, tzinfo=timezone(timedelta(hours=2)))
    assert not supersedes(incoming(backfill=False, fetched_at=plus_two), existing)
    # 08:30 at UTC+2 is 06:30 UTC: later.
    later = datetime(2026, 11, 20, 8, 30, tzinfo=timezone(timedelta(hours=2)))
    assert supersedes(incoming(backfill=False, fetched_at=later), existing)


async def test_only_removal_and_reauthorization_change_a_tracked_status(tmp_path: Path) -> None:
    """An expiry warning is news for the client, not a change of the connection's state."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    connection_id = uuid.uuid4()
    common = {"connection_id": connection_id, "client_id": "c", "platform": Platform.LINKEDIN}
    try:
        async with sessions() as session:
            await apply_connection_event(
                session,
                ConnectionEstablished(
                    **common,
                    platform_user_id="u",
                    username="n",
                    connected_at=clock.now(),
                ),
            )
            await apply_connection_event(
                session,
                TokenExpiringSoon(**common, expires_at=clock.now(), days_left=3),
            )
            tracked = await session.get(TrackedConnection, connection_id)
            assert tracked is not None and tracked.status == "active"
            await apply_connection_event(session, ReauthorizationRequired(**common, reason="x"))
            await session.refresh(tracked)
            assert tracked.status == "reauth_required"
    finally:
        await engine.dispose()
