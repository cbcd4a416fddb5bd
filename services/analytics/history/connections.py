"""A connection's days stored and its state kept as the connector's events say."""

from __future__ import annotations

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.models import (
    ConnectionStatus,
    ContentItemDay,
    DailySnapshot,
    TrackedConnection,
)
from shared.db import upsert
from shared.events import ConnectionEvent
from shared.events.connections import (
    ConnectionEstablished,
    ConnectionRemoved,
    ReauthorizationRequired,
)


async def apply_connection_event(session: AsyncSession, event: ConnectionEvent) -> None:
    if isinstance(event, ConnectionEstablished):
        await upsert(
            session,
            TrackedConnection,
            {
                "connection_id": event.connection_id,
                "client_id": event.client_id,
                "platform": event.platform,
                "platform_user_id": event.platform_user_id,
                "username": event.username,
                "status": ConnectionStatus.ACTIVE,
                "connected_at": event.connected_at,
            },
            conflict=["connection_id"],
        )
    elif isinstance(event, ConnectionRemoved | ReauthorizationRequired):
        tracked = await session.get(TrackedConnection, event.connection_id)
        if tracked is not None:
            tracked.status = (
                ConnectionStatus.DISCONNECTED
                if isinstance(event, ConnectionRemoved)
                else ConnectionStatus.REAUTH_REQUIRED
            )
            session.add(tracked)
        if isinstance(event, ConnectionRemoved) and event.purge_history:
            connection = await session.connection()
            for table in (DailySnapshot, ContentItemDay):
                await connection.execute(
                    delete(table).where(col(table.connection_id) == event.connection_id)
                )
    await session.commit()
