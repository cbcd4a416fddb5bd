"""Analytics' Kafka subscribers: connection events, every platform's snapshots, the CRM's
clients and programs."""

from __future__ import annotations

from services.analytics import history, programs
from services.analytics.context import AnalyticsContext
from shared.events import (
    AccountSnapshot,
    ConnectionEvent,
    CrmEvent,
    connection_event_adapter,
    crm_event_adapter,
)
from shared.messaging import topics
from shared.messaging.consumer import Delivery, subscribe, subscribe_batch


def register(context: AnalyticsContext) -> None:
    runtime = context.runtime
    kafka = runtime.settings.common.kafka

    async def on_connection_event(event: ConnectionEvent) -> None:
        async with runtime.sessions() as session:
            await history.apply_connection_event(session, event)

    async def on_snapshots(
        deliveries: list[Delivery[AccountSnapshot]],
    ) -> list[BaseException | None]:
        """The whole batch in one transaction (each connection derived once: a year of
        backfill is one recomputation, not 366); should it fail, a transaction per connection,
        so one poison connection leaves the others' snapshots stored and only its deliveries
        are answered with the error."""
        errors = await history.store_isolating(runtime.sessions, [d.event for d in deliveries])
        context.relay.wake()
        return [errors.get(d.event.connection_id) for d in deliveries]

    async def on_crm_event(event: CrmEvent) -> None:
        async with runtime.sessions() as session:
            await programs.apply_event(session, event)

    subscribe(
        runtime.broker,
        topics.CONNECTIONS,
        group_id="analytics.connections",
        parse=connection_event_adapter.validate_json,
        handle=on_connection_event,
        settings=kafka,
    )
    subscribe_batch(
        runtime.broker,
        list(topics.SNAPSHOT_TOPICS),
        group_id="analytics.snapshots",
        parse=AccountSnapshot.model_validate_json,
        handle_batch=on_snapshots,
        settings=kafka,
        max_records=context.settings.snapshot_batch_size,
    )
    subscribe(
        runtime.broker,
        topics.CRM_CLIENTS,
        group_id="analytics.crm",
        parse=crm_event_adapter.validate_json,
        handle=on_crm_event,
        settings=kafka,
    )
