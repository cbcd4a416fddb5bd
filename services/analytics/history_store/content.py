"""The ``content_items`` of a day: replaced whole by the snapshot whose day figures were kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.history_store.keys import chunks
from services.analytics.models import ContentItemDay
from shared.db.bulk import insert_many
from shared.events import AccountSnapshot

_CONTENT: Table = ContentItemDay.__table__  # type: ignore[attr-defined]


#: The columns of a ``content_items`` row, in the order :func:`content_rows` gives them.
CONTENT_COLUMNS = (
    "connection_id",
    "item_id",
    "seen_on",
    "client_id",
    "platform",
    "kind",
    "published_at",
    "url",
    "caption",
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saves",
    "engagement_rate",
    "fetched_at",
)


def content_rows(snapshot: AccountSnapshot) -> list[tuple[Any, ...]]:
    """The ``content_items`` rows of a snapshot's day: one per item (the last of an id wins)."""
    connection_id, day, client_id = (
        snapshot.connection_id,
        snapshot.snapshot_date,
        snapshot.client_id,
    )
    # The value itself: on PostgreSQL the rows go to ``COPY`` as they are (no column types).
    platform, fetched_at = snapshot.platform.value, snapshot.fetched_at
    items = {item.item_id: item for item in snapshot.recent_items}
    return [
        (
            connection_id,
            item.item_id,
            day,
            client_id,
            platform,
            item.kind,
            item.published_at,
            item.url,
            item.caption,
            item.views,
            item.reach,
            item.likes,
            item.comments,
            item.shares,
            item.saves,
            item.engagement_rate,
            fetched_at,
        )
        for item in items.values()
    ]


async def replace_content(session: AsyncSession, owners: Sequence[AccountSnapshot]) -> None:
    """Make each snapshot's items the whole content of its connection and day: the days' rows
    deleted (:func:`_delete_content`), then one insert of every item."""
    if not owners:
        return
    await _delete_content(session, {(s.connection_id, s.snapshot_date) for s in owners})
    rows = (row for snapshot in owners for row in content_rows(snapshot))
    await insert_many(session, _CONTENT, CONTENT_COLUMNS, rows)


async def _delete_content(session: AsyncSession, pairs: set[tuple[uuid.UUID, date]]) -> None:
    """Delete the content rows of these (connection, day) pairs, grouped the way that takes
    fewer statements: by day (a live batch: many connections, one day) or by connection (a
    backfill: one connection, many days). A plain ``IN`` list on one column, which PostgreSQL
    plans as one index scan, where a list of pairs is planned as one scan per pair."""
    by_day: dict[date, list[uuid.UUID]] = {}
    by_connection: dict[uuid.UUID, list[date]] = {}
    for connection_id, day in sorted(pairs):
        by_day.setdefault(day, []).append(connection_id)
        by_connection.setdefault(connection_id, []).append(day)
    c = _CONTENT.c
    statements = (
        [
            delete(_CONTENT).where(c.seen_on == day, c.connection_id.in_(chunk))
            for day, ids in by_day.items()
            for chunk in chunks(ids)
        ]
        if len(by_day) <= len(by_connection)
        else [
            delete(_CONTENT).where(c.connection_id == connection_id, c.seen_on.in_(chunk))
            for connection_id, days in by_connection.items()
            for chunk in chunks(days)
        ]
    )
    connection = await session.connection()
    for statement in statements:
        await connection.execute(statement)
