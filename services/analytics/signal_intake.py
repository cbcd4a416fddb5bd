"""What sets :mod:`.signaling` going: analytics' consumer of its own metrics events (group
``analytics.signals``), a transaction per client, and the periodic stale-data check.

The consumer has a router of its own, which :func:`services.analytics.handlers.register`
includes, so that it can also run alone (the signal events' integration test).
"""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.analytics import signaling
from services.analytics.context import AnalyticsContext, HandlerContext
from shared.events import MetricsUpdated
from shared.messaging import topics
from shared.messaging.consumer import Delivery, Outcome
from shared.messaging.routing import service_router, subscribe
from shared.periodic import Periodic

GROUP_ID = "analytics.signals"


async def on_metrics(
    deliveries: list[Delivery[MetricsUpdated]], context: HandlerContext
) -> list[Outcome]:
    """One client's failure leaves the others' signals raised; it answers its deliveries."""
    rules = signaling.SignalRules.from_settings(context.settings)
    events = [d.event for d in deliveries]
    errors = await signaling.raise_per_client(context.runtime.sessions, events, rules)
    context.relay.wake()
    return [errors.get(d.event.client_id) for d in deliveries]


def register(context: AnalyticsContext) -> KafkaRouter:
    """The signal consumer's subscription."""
    router = service_router(context)
    subscribe(
        router,
        on_metrics,
        topics.METRICS_UPDATED,
        group_id=GROUP_ID,
        settings=context.runtime.settings.common.kafka,
        max_records=context.settings.signal_batch_size,
    )
    return router


def stale_check(context: AnalyticsContext) -> Periodic:
    """The periodic stale-data check (start it with the service's background tasks)."""
    rules = signaling.SignalRules.from_settings(context.settings)

    async def check() -> None:
        async with context.runtime.sessions() as session:
            new = await signaling.check_stale(session, rules)
        if new:
            context.relay.wake()

    return Periodic("analytics-stale-check", context.settings.signal_stale_check_seconds, check)
