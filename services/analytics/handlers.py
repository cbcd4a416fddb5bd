"""Analytics' Kafka subscribers: connection events, every platform's snapshots, the CRM's
clients and programs, and (:mod:`.signal_intake`) its own metrics events."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.analytics import history, programs, signal_intake
from services.analytics.context import AnalyticsContext, HandlerContext
from shared.events import AccountSnapshot, ConnectionEvent, CrmEvent
from shared.messaging import topics
from shared.messaging.consumer import Delivery, Outcome
from shared.messaging.routing import service_router, subscribe


async def on_connection_event(event: ConnectionEvent, context: HandlerContext) -> None:
    async with context.runtime.sessions() as session:
        await history.apply_connection_event(session, event)


async def on_snapshots(
    deliveries: list[Delivery[AccountSnapshot]], context: HandlerContext
) -> list[Outcome]:
    """The whole batch in one transaction (each connection derived once: a year of backfill is
    one recomputation, not 366); should it fail, a transaction per connection, so one poison
    connection leaves the others' snapshots stored and only its deliveries are answered with
    the error."""
    snapshots = [d.event for d in deliveries]
    errors = await history.store_isolating(context.runtime.sessions, snapshots)
    context.relay.wake()
    return [errors.get(d.event.connection_id) for d in deliveries]


async def on_crm_event(event: CrmEvent, context: HandlerContext) -> None:
    async with context.runtime.sessions() as session:
        await programs.apply_event(session, event)


def register(context: AnalyticsContext) -> KafkaRouter:
    """Analytics' subscriptions, for ``create_app`` to include in the runtime's broker."""
    router = service_router(context)
    kafka = context.runtime.settings.common.kafka
    subscribe(
        router,
        on_connection_event,
        topics.CONNECTIONS,
        group_id="analytics.connections",
        settings=kafka,
    )
    subscribe(
        router,
        on_snapshots,
        *topics.SNAPSHOT_TOPICS,
        group_id="analytics.snapshots",
        settings=kafka,
        max_records=context.settings.snapshot_batch_size,
    )
    subscribe(router, on_crm_event, topics.CRM_CLIENTS, group_id="analytics.crm", settings=kafka)
    router.include_router(signal_intake.register(context))
    return router
