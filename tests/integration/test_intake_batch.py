"""Analytics' batch intake on both databases, without a broker: the parts the dialects differ in.

The bulk statements (``history_store``: multi-row upserts, the content rows sent straight to
the driver, the (connection, day) ``IN`` delete) must store exactly what the ORM reads back, on
SQLite and PostgreSQL; and on PostgreSQL the row lock makes a history import wait for a batch
that holds the connection, so their revisions never collide.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history_store
from services.analytics.app import MIGRATIONS
from services.analytics.history import ImportRow, import_history, store_batch
from services.analytics.models import ContentItemDay, DailySnapshot, TrackedConnection
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.db.types import as_utc
from shared.events import MetricsUpdated
from shared.outbox import OutboxMessage
from tests.support.clock import PINNED, TODAY
from tests.support.databases import KINDS, temporary_database
from tests.support.intake import YESTERDAY, at, item, snapshot

pytestmark = pytest.mark.integration

A, B = (uuid.uuid5(uuid.NAMESPACE_URL, f"intake-db/{n}") for n in "ab")


@pytest.fixture(params=KINDS)
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with temporary_database(request.param, tmp_path, "intake") as url:
        await asyncio.to_thread(upgrade, MIGRATIONS, url)
        engine = create_engine(url)
        try:
            yield make_sessionmaker(engine)
        finally:
            await engine.dispose()


async def test_the_bulk_writes_store_what_the_orm_reads_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    morning = snapshot(A, TODAY, followers=1012, items=[item("a1", 10), item("a2", 20)])
    async with sessions() as session:
        await store_batch(
            session,
            [
                snapshot(A, YESTERDAY, followers=1000),
                morning,
                snapshot(B, TODAY, followers=500, items=[item("b1", 7)]),
            ],
        )
    noon = snapshot(A, TODAY, followers=1020, hour=12, items=[item("a2", 25)])
    async with sessions() as session:
        await store_batch(session, [noon])  # replaces A's day: an upsert and a delete
    async with sessions() as session:
        stored = (
            await session.exec(select(ContentItemDay).order_by(col(ContentItemDay.item_id)))
        ).all()
        day = await session.get(DailySnapshot, (A, TODAY))
        tracked = {t.connection_id: t for t in (await session.exec(select(TrackedConnection)))}
    [a2, b1] = stored
    expected = noon.recent_items[0]
    assert (a2.connection_id, a2.item_id, a2.seen_on, a2.client_id) == (
        A,
        "a2",
        TODAY,
        noon.client_id,
    )
    assert (a2.kind, a2.caption, a2.likes, a2.comments, a2.engagement_rate) == (
        expected.kind,
        expected.caption,
        25,
        2,
        expected.engagement_rate,
    )
    assert as_utc(a2.published_at) == expected.published_at
    assert as_utc(a2.fetched_at) == noon.fetched_at
    assert (b1.connection_id, b1.item_id, b1.likes) == (B, "b1", 7)

    assert day is not None
    assert (day.followers, day.followers_change_1d) == (1020, 20)  # 1020 - 1000
    assert as_utc(day.fetched_at) == noon.fetched_at
    assert (tracked[A].revision, tracked[B].revision) == (2, 1)
    assert (tracked[A].username, tracked[A].status) == (morning.username, "active")
    assert as_utc(tracked[A].connected_at) == at(YESTERDAY, 3)  # its first snapshot's fetch


@pytest.mark.parametrize("sessions", ["postgresql"], indirect=True)
async def test_an_import_waits_for_the_batch_that_holds_the_connection(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """SQLite has a single writer; on PostgreSQL this is the row lock's work."""
    async with sessions() as session:
        await store_batch(session, [snapshot(A, YESTERDAY, followers=1000)])  # revision 1
    async with sessions() as holder:
        assert A in await history_store.lock(holder, [A])  # the batch's transaction holds A

        async def import_() -> None:
            async with sessions() as session:
                rows = [ImportRow(TODAY - timedelta(days=30), 900)]
                await import_history(session, A, rows, PINNED)

        importing = asyncio.create_task(import_())
        await asyncio.sleep(0.3)  # time enough for the import to reach the lock
        assert not importing.done()
        await store_batch(holder, [snapshot(A, TODAY, followers=1010)])  # revision 2, commits
        await importing
    async with sessions() as session:
        tracked = await session.get(TrackedConnection, A)
        payloads = (await session.exec(select(OutboxMessage.payload))).all()
    revisions = sorted(MetricsUpdated.model_validate_json(p).revision for p in payloads)
    assert tracked is not None and tracked.revision == 3  # the import derived after the batch
    # Yesterday's day (1); today's (2); the imported day and today, whose 30-day change it
    # gives (1010 - 900), both at 3.
    assert revisions == [1, 2, 3, 3]


async def test_a_day_rederived_without_arriving_gets_its_new_figures_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Today (1020) first, then yesterday (1000): today did not arrive again, yet its change
    over one day is now known (20) — written by ``write_derived``, the rest of its row kept."""
    async with sessions() as session:
        await store_batch(session, [snapshot(A, TODAY, followers=1020, items=[item("a1", 5)])])
    async with sessions() as session:
        await store_batch(session, [snapshot(A, YESTERDAY, followers=1000)])
    async with sessions() as session:
        today = await session.get(DailySnapshot, (A, TODAY))
        tracked = await session.get(TrackedConnection, A)
    assert today is not None and tracked is not None
    assert (today.followers, today.follower_source, today.followers_change_1d) == (
        1020,
        "observed",
        20,
    )
    assert (today.engagement_rate, today.username) == (1.5, f"creator_{str(A)[:4]}")
    assert as_utc(today.fetched_at) == at(TODAY, 3)
    assert tracked.revision == 2
