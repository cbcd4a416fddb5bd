"""Publishing events: JSON bodies, keyed by the entity they describe, counted per topic."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from shared import correlation
from shared.events.base import Event
from shared.metrics import EVENTS_PUBLISHED


class EventPublisher:
    """Thin wrapper so every service publishes the same way (key, headers, metrics)."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def publish(self, topic: str, event: Event, *, key: str) -> None:
        await self.publish_json(topic, event.model_dump(mode="json"), key=key)

    async def publish_json(
        self, topic: str, payload: dict[str, object], *, key: str, correlation_id: str | None = None
    ) -> None:
        event_type = str(payload.get("type", ""))
        await self.broker.publish(
            payload,
            topic,
            key=key.encode(),
            headers={
                "event-type": event_type,
                "schema-version": str(payload.get("schema_version")),
            },
            correlation_id=correlation_id or correlation.current(),
        )
        EVENTS_PUBLISHED.labels(topic).inc()
