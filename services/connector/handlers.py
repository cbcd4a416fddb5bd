"""The connector's Kafka subscribers.

* snapshots → each connection's "last sync" for the connections list;
* sync failures → a sync the platform refused for good (``reauth_required``) marks the
  connection and asks the client to reconnect (``connection.reauth_required``).
"""

from __future__ import annotations

from services.connector import connections
from services.connector.context import ConnectorContext
from services.connector.models import Connection
from services.connector.tokens import mark_reauth_required
from shared.events import AccountSnapshot, SyncFailed
from shared.messaging import topics
from shared.messaging.consumer import subscribe
from shared.platforms.base import ErrorClass


def register(context: ConnectorContext) -> None:
    runtime = context.runtime
    kafka = runtime.settings.common.kafka

    async def on_snapshot(snapshot: AccountSnapshot) -> None:
        if snapshot.backfill:
            return
        async with runtime.sessions() as session:
            await connections.record_sync(session, snapshot.connection_id, snapshot.fetched_at)

    async def on_sync_failed(failure: SyncFailed) -> None:
        if failure.error_class != ErrorClass.REAUTH_REQUIRED:
            return
        async with runtime.sessions() as session:
            connection = await session.get(Connection, failure.connection_id)
            if connection is None:
                return
            if mark_reauth_required(session, connection, failure.message):
                await session.commit()
                context.relay.wake()

    subscribe(
        runtime.broker,
        list(topics.SNAPSHOT_TOPICS),
        group_id="connector.snapshots",
        parse=AccountSnapshot.model_validate_json,
        handle=on_snapshot,
        settings=kafka,
    )
    subscribe(
        runtime.broker,
        topics.SYNC_FAILURES,
        group_id="connector.sync-failures",
        parse=SyncFailed.model_validate_json,
        handle=on_sync_failed,
        settings=kafka,
    )
