"""The connector's Kafka subscribers: it follows snapshots to show each connection's last sync."""

from __future__ import annotations

from services.connector import connections as flows
from services.connector.context import ConnectorContext
from shared.events import AccountSnapshot
from shared.messaging import topics
from shared.messaging.consumer import subscribe


def register(context: ConnectorContext) -> None:
    runtime = context.runtime

    async def on_snapshot(snapshot: AccountSnapshot) -> None:
        if snapshot.backfill:
            return
        async with runtime.sessions() as session:
            await flows.record_sync(session, snapshot.connection_id, snapshot.fetched_at)

    subscribe(
        runtime.broker,
        list(topics.SNAPSHOT_TOPICS),
        group_id="connector.snapshots",
        parse=AccountSnapshot.model_validate_json,
        handle=on_snapshot,
        settings=runtime.settings.common.kafka,
    )
