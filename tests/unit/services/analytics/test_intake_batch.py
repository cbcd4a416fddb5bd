"""A batch of snapshots of many connections: one transaction, and a poison connection alone.

``store_batch`` stores a whole consumer batch with a few statements; ``store_isolating`` (the
snapshot handler) falls back to a transaction per connection when the batch fails. SQLite here;
``tests/integration/test_intake_batch.py`` runs the dialect-specific parts on both databases.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.app import MIGRATIONS
from services.analytics.history import new_day, store_batch, store_isolating
from services.analytics.models import ContentItemDay, DailySnapshot, TrackedConnection
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import MetricsUpdated
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from tests.support.clock import TODAY
from tests.support.intake import YESTERDAY, at, item, snapshot

A, B, C, POISON = (uuid.uuid5(uuid.NAMESPACE_URL, f"intake/{n}") for n in "abcp")


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def days(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[tuple[uuid.UUID, date], tuple[int | None, int | None]]:
    """(connection, day) → (followers, change over one day)."""
    async with sessions() as session:
        rows = (await session.exec(select(DailySnapshot))).all()
        return {
            (r.connection_id, r.snapshot_date): (r.followers, r.followers_change_1d) for r in rows
        }


async def revisions(sessions: async_sessionmaker[AsyncSession]) -> dict[uuid.UUID, int]:
    async with sessions() as session:
        rows = (await session.exec(select(TrackedConnection))).all()
        return {r.connection_id: r.revision for r in rows}


async def events(
    sessions: async_sessionmaker[AsyncSession],
) -> list[tuple[uuid.UUID, date, int | None, int]]:
    """The queued ``MetricsUpdated``, in outbox order: (connection, day, followers, revision)."""
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    parsed = [MetricsUpdated.model_validate_json(r.payload) for r in rows]
    assert all(r.key == str(e.connection_id) for r, e in zip(rows, parsed, strict=True))
    return [(e.connection_id, e.metrics_date, e.followers, e.revision) for e in parsed]


async def content(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[tuple[uuid.UUID, str, date], int | None]:
    async with sessions() as session:
        rows = (await session.exec(select(ContentItemDay))).all()
        return {(r.connection_id, r.item_id, r.seen_on): r.likes for r in rows}


FIRST = [
    snapshot(A, YESTERDAY, followers=1000),
    snapshot(A, TODAY, followers=1012, items=[item("a1", 10), item("a2", 20)]),
    snapshot(B, TODAY, followers=500, items=[item("b1", 7)]),
    snapshot(C, YESTERDAY, followers=None, backfill=True, gained=4, hour=4),
    snapshot(C, TODAY, followers=2000),
]


async def test_a_batch_of_several_connections_is_stored_and_derived_per_connection(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        outcomes = await store_batch(session, FIRST)
    assert {key: o.revision for key, o in outcomes.items()} == {A: 1, B: 1, C: 1}
    assert await days(sessions) == {
        (A, YESTERDAY): (1000, None),
        (A, TODAY): (1012, 12),  # 1012 - 1000
        (B, TODAY): (500, None),  # no day before it
        (C, YESTERDAY): (None, None),  # gains only: never a total
        (C, TODAY): (2000, None),
    }
    assert await revisions(sessions) == {A: 1, B: 1, C: 1}  # once per connection, not per day
    assert await events(sessions) == [
        (A, YESTERDAY, 1000, 1),
        (A, TODAY, 1012, 1),
        (B, TODAY, 500, 1),
        (C, YESTERDAY, None, 1),
        (C, TODAY, 2000, 1),
    ]
    assert await content(sessions) == {
        (A, "a1", TODAY): 10,
        (A, "a2", TODAY): 20,
        (B, "b1", TODAY): 7,
    }

    # The same batch again, in another order: nothing changes, nothing is published.
    async with sessions() as session:
        again = await store_batch(session, FIRST[::-1])
    assert all(not o.changed for o in again.values())
    assert await revisions(sessions) == {A: 1, B: 1, C: 1}
    assert len(await events(sessions)) == 5
    assert len(await content(sessions)) == 3

    # A's noon sync replaces its morning one — figures and items; a backfill of B's live day
    # changes nothing of it (live beats the platform's history) and owns none of its items.
    async with sessions() as session:
        await store_batch(
            session,
            [
                snapshot(A, TODAY, followers=1015, hour=12, items=[item("a2", 25), item("a3", 5)]),
                snapshot(B, TODAY, followers=None, backfill=True, hour=12, items=[item("x", 1)]),
            ],
        )
    assert (await days(sessions))[(A, TODAY)] == (1015, 15)  # 1015 - 1000
    assert await revisions(sessions) == {A: 2, B: 1, C: 1}
    assert (await events(sessions))[5:] == [(A, TODAY, 1015, 2)]  # yesterday's figures held
    assert await content(sessions) == {
        (A, "a2", TODAY): 25,
        (A, "a3", TODAY): 5,
        (B, "b1", TODAY): 7,
    }


async def test_a_poison_connection_fails_alone_and_the_others_are_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    batch = [
        snapshot(A, TODAY, followers=1000, items=[item("a1", 10)]),
        snapshot(POISON, TODAY, followers=2**63),  # more than SQLite's INTEGER holds
        snapshot(B, TODAY, followers=500),
        snapshot(POISON, YESTERDAY, followers=10),
    ]
    errors = await store_isolating(sessions, batch)
    assert list(errors) == [POISON]
    # What the handler answers, delivery by delivery: only the poison's carry the error.
    answered = [errors.get(s.connection_id) for s in batch]
    assert [e is not None for e in answered] == [False, True, False, True]
    assert await days(sessions) == {(A, TODAY): (1000, None), (B, TODAY): (500, None)}
    assert await revisions(sessions) == {A: 1, B: 1}  # the poison's transaction left nothing
    assert [e[0] for e in await events(sessions)] == [A, B]
    assert await content(sessions) == {(A, "a1", TODAY): 10}


async def test_an_unavailable_database_is_raised_not_tried_connection_by_connection(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}")  # a directory: cannot be opened
    try:
        with pytest.raises(OperationalError):
            await store_isolating(make_sessionmaker(engine), FIRST)
    finally:
        await engine.dispose()


async def test_content_is_replaced_for_the_days_a_batch_won_and_no_other(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await store_batch(
            session,
            [
                snapshot(A, YESTERDAY, followers=990, items=[item("a0", 3, day=YESTERDAY)]),
                snapshot(A, TODAY, followers=1000, items=[item("a1", 10), item("a2", 20)]),
                snapshot(B, TODAY, followers=500, items=[item("b1", 7), item("b2", 8)]),
            ],
        )
    async with sessions() as session:
        await store_batch(
            session,
            [
                # Two later syncs of A's day in one batch: the latest owns the day's items.
                snapshot(A, TODAY, followers=1001, hour=9, items=[item("a1", 11)]),
                snapshot(A, TODAY, followers=1002, hour=15, items=[item("a1", 12), item("a4", 1)]),
                # An earlier fetch of B's day than the one stored: it owns nothing.
                snapshot(B, TODAY, followers=499, hour=2, items=[item("b9", 9)]),
                # The same item twice in one snapshot is one row (the last one counts).
                snapshot(C, TODAY, followers=50, items=[item("c1", 1), item("c1", 2)]),
            ],
        )
    assert await content(sessions) == {
        (A, "a0", YESTERDAY): 3,  # a day the batch did not touch
        (A, "a1", TODAY): 12,
        (A, "a4", TODAY): 1,
        (B, "b1", TODAY): 7,
        (B, "b2", TODAY): 8,
        (C, "c1", TODAY): 2,
    }
    assert (await days(sessions))[(B, TODAY)] == (500, None)  # the earlier fetch lost


def test_a_new_day_row_is_the_row_the_model_would_build() -> None:
    given: dict[str, Any] = {
        "connection_id": A,
        "snapshot_date": TODAY,
        "client_id": "client-a",
        "platform": Platform.INSTAGRAM,  # the member, as ``merge`` passes it (an enum column)
        "username": "creator_a",
        "fetched_at": at(TODAY, 3),
        "followers_observed": 1000,
    }
    built, fast = DailySnapshot(**given), new_day(**given)
    assert fast.model_dump() == built.model_dump()
    fast.missing_metrics.append("reach")  # collections of its own, not shared
    assert new_day(**given).missing_metrics == []
