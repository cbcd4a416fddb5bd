"""The ingestor's Kafka subscribers.

* connection events → keep the list of connections to sync (:mod:`.known_connections`); a new
  connection gets its initial sync with backfill;
* sync requests, a batch at a time → :mod:`.sync_batch`.
"""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.ingestor import known_connections
from services.ingestor.context import HandlerContext, IngestorContext
from services.ingestor.sync_batch import sync_batch
from shared.events import ConnectionEvent, SyncRequested
from shared.messaging import topics
from shared.messaging.consumer import Delivery, Outcome
from shared.messaging.routing import service_router, subscribe


async def on_connection_event(event: ConnectionEvent, context: HandlerContext) -> None:
    async with context.runtime.sessions() as session:
        await known_connections.apply(session, event)
    await known_connections.request_initial_sync(context.runtime.publisher, event)


async def on_sync_requests(
    deliveries: list[Delivery[SyncRequested]], context: HandlerContext
) -> list[Outcome]:
    return await sync_batch(context, deliveries)


def register(context: IngestorContext) -> KafkaRouter:
    """The ingestor's subscriptions, for ``create_app`` to include in the runtime's broker."""
    router = service_router(context)
    kafka = context.runtime.settings.common.kafka
    subscribe(
        router,
        on_connection_event,
        topics.CONNECTIONS,
        group_id="ingestor.connections",
        settings=kafka,
    )
    subscribe(
        router,
        on_sync_requests,
        topics.SYNC_REQUESTS,
        group_id="ingestor.sync-requests",
        settings=kafka,
        max_records=context.settings.sync_concurrency,
    )
    return router
