"""Alerts' Kafka subscribers: the derived metrics keep the watched accounts current."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.alerts import watch
from services.alerts.context import AlertsContext, HandlerContext
from shared.events import MetricsUpdated
from shared.messaging import topics
from shared.messaging.routing import service_router, subscribe


async def on_metrics(event: MetricsUpdated, context: HandlerContext) -> None:
    async with context.runtime.sessions() as session:
        await watch.observe(session, event)


def register(context: AlertsContext) -> KafkaRouter:
    """Alerts' subscriptions, for ``create_app`` to include in the runtime's broker."""
    router = service_router(context)
    kafka = context.runtime.settings.common.kafka
    subscribe(router, on_metrics, topics.METRICS_UPDATED, group_id="alerts.metrics", settings=kafka)
    return router
