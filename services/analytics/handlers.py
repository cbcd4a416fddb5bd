"""Analytics' Kafka subscribers: connection events and every platform's snapshots."""

from __future__ import annotations

from services.analytics import history
from services.analytics.context import AnalyticsContext
from shared.events import AccountSnapshot, ConnectionEvent, connection_event_adapter
from shared.messaging import topics
from shared.messaging.consumer import subscribe


def register(context: AnalyticsContext) -> None:
    runtime = context.runtime
    kafka = runtime.settings.common.kafka

    async def on_connection_event(event: ConnectionEvent) -> None:
        async with runtime.sessions() as session:
            await history.apply_connection_event(session, event)

    async def on_snapshot(snapshot: AccountSnapshot) -> None:
        async with runtime.sessions() as session:
            if not await history.store_snapshot(session, snapshot):
                return
            summary = await history.growth(session, snapshot.connection_id, snapshot.snapshot_date)
        await runtime.publisher.publish(
            topics.METRICS_UPDATED,
            history.metrics_event(snapshot, summary),
            key=str(snapshot.connection_id),
        )

    subscribe(
        runtime.broker,
        topics.CONNECTIONS,
        group_id="analytics.connections",
        parse=connection_event_adapter.validate_json,
        handle=on_connection_event,
        settings=kafka,
    )
    subscribe(
        runtime.broker,
        list(topics.SNAPSHOT_TOPICS),
        group_id="analytics.snapshots",
        parse=AccountSnapshot.model_validate_json,
        handle=on_snapshot,
        settings=kafka,
    )
