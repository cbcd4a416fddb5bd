"""The connector's Kafka subscribers.

* snapshots → each connection's "last sync" for the connections list;
* sync failures → a sync the platform refused for good (``reauth_required``) marks the
  connection and asks the client to reconnect (``connection.reauth_required``).
"""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.connector import connections
from services.connector.context import ConnectorContext, HandlerContext
from services.connector.models import Connection
from services.connector.tokens import mark_reauth_required
from shared.events import AccountSnapshot, SyncFailed
from shared.messaging import topics
from shared.messaging.routing import service_router, subscribe
from shared.platforms.base import ErrorClass


async def on_snapshot(snapshot: AccountSnapshot, context: HandlerContext) -> None:
    if snapshot.backfill:
        return
    async with context.runtime.sessions() as session:
        await connections.record_sync(session, snapshot.connection_id, snapshot.fetched_at)


async def on_sync_failed(failure: SyncFailed, context: HandlerContext) -> None:
    if failure.error_class != ErrorClass.REAUTH_REQUIRED:
        return
    async with context.runtime.sessions() as session:
        connection = await session.get(Connection, failure.connection_id)
        if connection is None:
            return
        if mark_reauth_required(session, connection, failure.message):
            await session.commit()
            context.relay.wake()


def register(context: ConnectorContext) -> KafkaRouter:
    """The connector's subscriptions, for ``create_app`` to include in the runtime's broker."""
    router = service_router(context)
    kafka = context.runtime.settings.common.kafka
    subscribe(
        router,
        on_snapshot,
        *topics.SNAPSHOT_TOPICS,
        group_id="connector.snapshots",
        settings=kafka,
    )
    subscribe(
        router,
        on_sync_failed,
        topics.SYNC_FAILURES,
        group_id="connector.sync-failures",
        settings=kafka,
    )
    return router
