"""Alerts' Kafka subscribers."""

from __future__ import annotations

from services.alerts import watch
from shared.events import MetricsUpdated
from shared.messaging import topics
from shared.messaging.consumer import subscribe
from shared.service import Runtime


def register(runtime: Runtime) -> None:
    async def on_metrics(event: MetricsUpdated) -> None:
        async with runtime.sessions() as session:
            await watch.observe(session, event)

    subscribe(
        runtime.broker,
        topics.METRICS_UPDATED,
        group_id="alerts.metrics",
        parse=MetricsUpdated.model_validate_json,
        handle=on_metrics,
        settings=runtime.settings.common.kafka,
    )
