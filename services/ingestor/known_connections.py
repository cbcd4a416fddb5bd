"""Keeping the list of connections to sync, from the connector's connection events.

A connection established (again) is recorded as active and gets its initial sync with backfill,
requested over Kafka so that any replica of the group may take it; one removed, or waiting for
the client to reconnect, is deactivated: nothing to sync until a new "established" revives it.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.ingestor.models import KnownConnection
from shared import clock
from shared.db import upsert
from shared.events import (
    ConnectionEstablished,
    ConnectionEvent,
    ConnectionRemoved,
    ReauthorizationRequired,
    SyncReason,
    SyncRequested,
)
from shared.messaging import topics
from shared.messaging.publisher import EventPublisher


async def apply(session: AsyncSession, event: ConnectionEvent) -> None:
    """Record what ``event`` says of its connection; commits."""
    if isinstance(event, ConnectionEstablished):
        await upsert(
            session,
            KnownConnection,
            {
                "connection_id": event.connection_id,
                "client_id": event.client_id,
                "platform": event.platform,
                "platform_user_id": event.platform_user_id,
                "username": event.username,
                "active": True,
                "connected_at": event.connected_at,
                "updated_at": clock.now(),
            },
            conflict=["connection_id"],
        )
    elif isinstance(event, ConnectionRemoved | ReauthorizationRequired):
        known = await session.get(KnownConnection, event.connection_id)
        if known is not None:
            known.active = False
            known.updated_at = clock.now()
            session.add(known)
    await session.commit()


def initial_sync(event: ConnectionEstablished) -> SyncRequested:
    """The first sync of a connection, with as much history as the platform gives."""
    return SyncRequested(
        # One initial sync per connection event, however often the event is delivered.
        sync_id=event.event_id,
        connection_id=event.connection_id,
        client_id=event.client_id,
        platform=event.platform,
        reason=SyncReason.INITIAL,
        backfill=True,
    )


async def request_initial_sync(publisher: EventPublisher, event: ConnectionEvent) -> None:
    """Publish the initial sync of an established connection (after it was recorded)."""
    if isinstance(event, ConnectionEstablished):
        request = initial_sync(event)
        await publisher.publish(topics.SYNC_REQUESTS, request, key=str(event.connection_id))
