"""Reports' Kafka subscribers: the derived metrics of each day go into the ledger."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.reports import ledger
from services.reports.context import HandlerContext, ReportsContext
from shared.events import MetricsUpdated
from shared.messaging import topics
from shared.messaging.routing import service_router, subscribe


async def on_metrics(event: MetricsUpdated, context: HandlerContext) -> None:
    async with context.runtime.sessions() as session:
        await ledger.record(session, event)


def register(context: ReportsContext) -> KafkaRouter:
    """Reports' subscriptions, for ``create_app`` to include in the runtime's broker."""
    router = service_router(context)
    kafka = context.runtime.settings.common.kafka
    subscribe(
        router, on_metrics, topics.METRICS_UPDATED, group_id="reports.metrics", settings=kafka
    )
    return router
