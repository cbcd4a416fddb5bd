"""An import and a snapshot batch of the same connection at once, on SQLite.

SQLite begins a write transaction only at a transaction's first write: an import that read the
connection's days first let a batch commit between its read and its writes (the import then
stored a day the platform had just reported, and both took the same revision). Every store
path now takes the writer lock with its first statement. The ordering is forced with events
(no sleeps): the import is held right after its first statement while the batch starts.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history, history_store
from services.analytics.app import MIGRATIONS
from services.analytics.history import DaySource, ImportRow, day_source, store_batch
from services.analytics.history_store import Days
from services.analytics.models import DailySnapshot, TrackedConnection
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import AccountSnapshot, MetricsUpdated
from shared.outbox import OutboxMessage
from tests.support.clock import TODAY
from tests.support.intake import YESTERDAY, at, snapshot

A = uuid.uuid5(uuid.NAMESPACE_URL, "locking/a")
BEFORE = YESTERDAY - timedelta(days=1)  # 2026-11-18


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[Path, async_sessionmaker[AsyncSession]]]:
    path = tmp_path / "analytics.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    yield path, make_sessionmaker(engine)
    await engine.dispose()


def writer_lock_is_free(path: Path) -> bool:
    """Can another connection begin a write transaction right now (without waiting)?"""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        connection.close()


async def test_an_import_and_a_batch_of_the_same_connection_are_serialized(
    database: tuple[Path, async_sessionmaker[AsyncSession]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, sessions = database
    async with sessions() as session:
        await store_batch(session, [snapshot(A, YESTERDAY, followers=1000)])  # revision 1

    import_read, release_import, batch_started = asyncio.Event(), asyncio.Event(), asyncio.Event()
    load_days, track = history_store.load_days, history_store.track

    async def held_load_days(
        session: AsyncSession,
        touched: Mapping[uuid.UUID, Iterable[date]],
        between: tuple[date, date] | None = None,
    ) -> dict[uuid.UUID, Days]:
        rows = await load_days(session, touched, between=between)
        if not import_read.is_set():  # the import's read; the batch's goes straight through
            import_read.set()
            await release_import.wait()
        return rows

    async def noted_track(session: AsyncSession, snapshots: Sequence[AccountSnapshot]) -> None:
        batch_started.set()
        await track(session, snapshots)

    monkeypatch.setattr(history_store, "load_days", held_load_days)
    monkeypatch.setattr(history_store, "track", noted_track)

    async def run_import() -> history.Imported | None:
        async with sessions() as session:
            return await history.import_history(
                session,
                A,
                [ImportRow(BEFORE, 990), ImportRow(TODAY, 1500)],
                at(TODAY, 2),
            )

    async def run_batch() -> None:
        async with sessions() as session:
            await store_batch(session, [snapshot(A, TODAY, followers=1010)])

    importing = asyncio.create_task(run_import())
    await import_read.wait()
    # The import has read the days: no other writer may begin until it commits.
    assert not writer_lock_is_free(path)
    batching = asyncio.create_task(run_batch())
    await batch_started.wait()
    release_import.set()
    imported, _ = await asyncio.gather(importing, batching)

    # The import came first: both its days stored (today was not the platform's yet), then
    # the live sync replaced today. Three revisions, each its own.
    assert imported is not None
    assert (imported.imported, imported.skipped_platform_days) == ([BEFORE, TODAY], [])
    assert imported.outcome.revision == 2
    async with sessions() as session:
        tracked = await session.get(TrackedConnection, A)
        rows = (
            await session.exec(select(DailySnapshot).order_by(col(DailySnapshot.snapshot_date)))
        ).all()
        outbox = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert tracked is not None and tracked.revision == 3
    assert [(r.snapshot_date, day_source(r), r.followers) for r in rows] == [
        (BEFORE, DaySource.IMPORT, 990),
        (YESTERDAY, DaySource.LIVE, 1000),
        (TODAY, DaySource.LIVE, 1010),
    ]
    events = [MetricsUpdated.model_validate_json(m.payload) for m in outbox]
    assert [(e.metrics_date, e.revision) for e in events] == [
        (YESTERDAY, 1),
        (BEFORE, 2),
        (YESTERDAY, 2),  # its change over one day is known now: 1000 - 990
        (TODAY, 2),
        (TODAY, 3),
    ]
