"""The tracked connections: tracked on first sight, locked for a derivation, their revisions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Table, bindparam, update
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.history_store.keys import chunks
from services.analytics.models import (
    ConnectionStatus,
    TrackedConnection,
)
from shared.db import upsert_many
from shared.events import AccountSnapshot
from shared.platforms import Platform

_TRACKED: Table = TrackedConnection.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Tracked:
    """A connection as analytics tracks it, read under its row lock."""

    connection_id: uuid.UUID
    client_id: str
    platform: Platform
    username: str
    revision: int


async def track(session: AsyncSession, snapshots: Iterable[AccountSnapshot]) -> None:
    """Track the connection of each snapshot not tracked yet (a snapshot can overtake its
    connection event); a tracked one is left as it is. Inserted in id order, as locked."""
    first: dict[uuid.UUID, AccountSnapshot] = {}
    for snapshot in snapshots:
        first.setdefault(snapshot.connection_id, snapshot)
    rows = [
        {
            "connection_id": s.connection_id,
            "client_id": s.client_id,
            "platform": s.platform,
            "platform_user_id": s.platform_user_id,
            "username": s.username,
            "status": ConnectionStatus.ACTIVE,
            "connected_at": s.fetched_at,
        }
        for _, s in sorted(first.items())
    ]
    await upsert_many(session, TrackedConnection, rows, conflict=["connection_id"], update=[])


async def lock(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Tracked]:
    """The tracked connections among ``ids``, their rows locked until the transaction ends.

    Meant as a transaction's first statement (after :func:`track`, itself a write), so that
    nothing it reads next can change before it commits. On PostgreSQL a ``SELECT … FOR
    UPDATE`` in id order — the same order every transaction takes them in, so two never
    deadlock. On SQLite a no-op ``UPDATE … RETURNING``: SQLite begins a write transaction only
    at a write, so a read first would let another writer commit between this transaction's
    read and its writes; the ``UPDATE`` takes the database's writer lock at once. Either way the
    snapshot consumer and a history import never derive a connection at once, and its
    revisions never collide.
    """
    found: dict[uuid.UUID, Tracked] = {}
    t = _TRACKED.c
    columns = (t.connection_id, t.client_id, t.platform, t.username, t.revision)
    connection = await session.connection()
    sqlite = connection.dialect.name == "sqlite"
    for chunk in chunks(sorted(set(ids))):
        statement = (
            update(_TRACKED)
            .where(t.connection_id.in_(chunk))
            .values(revision=t.revision)
            .returning(*columns)
            if sqlite
            else sa.select(*columns)
            .where(t.connection_id.in_(chunk))
            .order_by(t.connection_id)
            .with_for_update()
        )
        for row in await connection.execute(statement):
            found[row.connection_id] = Tracked(*row)
    return found


async def set_revisions(session: AsyncSession, revisions: Mapping[uuid.UUID, int]) -> None:
    if not revisions:
        return
    connection = await session.connection()
    await connection.execute(
        update(_TRACKED)
        .where(_TRACKED.c.connection_id == bindparam("key"))
        .values(revision=bindparam("value")),
        [{"key": key, "value": value} for key, value in sorted(revisions.items())],
    )
