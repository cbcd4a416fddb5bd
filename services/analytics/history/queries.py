"""Reading the history back: a connection's days, a client's connections, the newest day."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.models import (
    DailySnapshot,
    TrackedConnection,
)


async def series(
    session: AsyncSession, connection_id: uuid.UUID, start: date, end: date
) -> list[DailySnapshot]:
    rows = await session.exec(
        select(DailySnapshot)
        .where(
            DailySnapshot.connection_id == connection_id,
            col(DailySnapshot.snapshot_date) >= start,
            col(DailySnapshot.snapshot_date) <= end,
        )
        .order_by(col(DailySnapshot.snapshot_date))
    )
    return list(rows.all())


async def tracked_for_client(session: AsyncSession, client_id: str) -> list[TrackedConnection]:
    rows = await session.exec(
        select(TrackedConnection)
        .where(TrackedConnection.client_id == client_id)
        .order_by(col(TrackedConnection.platform))
    )
    return list(rows.all())


async def latest_row(session: AsyncSession, connection_id: uuid.UUID) -> DailySnapshot | None:
    """The newest live day (the overview's "now"); before any, the newest day of the platform's
    history; before any of those, the newest imported day."""
    rows = await session.exec(
        select(DailySnapshot)
        .where(DailySnapshot.connection_id == connection_id)
        .order_by(
            col(DailySnapshot.imported),
            col(DailySnapshot.backfill),
            col(DailySnapshot.snapshot_date).desc(),
        )
        .limit(1)
    )
    return rows.first()
