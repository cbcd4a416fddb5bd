"""Each replica's own read of ``analytics.metrics-updated.v1``, for the live sockets it holds.

Not a consumer group: a group shares the partitions among its members, but a socket sits on one
replica and must get its client's events whichever replica derived them. So every replica reads
every partition with a group-less consumer (aiokafka assigns itself all partitions and follows
new ones; tansu and Kafka serve that like any fetch), starting from the latest offset. There is
no group id, so nothing is committed and no group is left behind on the broker when a replica
goes away. It never dead-letters, retries or slows the real consumers (``alerts.metrics``,
``reports.metrics``): a record it cannot read is skipped. What is published while a replica is
down or starting is not pushed by it — its sockets were closed with it, and a portal re-reads the
API when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from aiokafka.errors import IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError

from services.analytics.live import LiveHub
from shared.events import MetricsUpdated
from shared.logging import get_logger
from shared.messaging import topics

log = get_logger(__name__)

BATCH_RECORDS = 500
POSITION_TIMEOUT_SECONDS = 10.0


class LiveFeed:
    """Registers the group-less subscriber on ``broker`` (before it starts); feeds ``hub``."""

    def __init__(self, broker: KafkaBroker, hub: LiveHub) -> None:
        self._hub = hub
        self._subscriber = broker.subscriber(
            topics.METRICS_UPDATED,
            group_id=None,
            auto_offset_reset="latest",
            # Nothing to commit without a group: a record is handled once, as it is read.
            ack_policy=AckPolicy.ACK_FIRST,
            batch=True,
            max_records=BATCH_RECORDS,
        )

        async def consume_live_metrics(message: KafkaMessage) -> None:
            raw = message.raw_message
            self.offer(raw if isinstance(raw, tuple | list) else (raw,))

        self._subscriber(consume_live_metrics)

    def offer(self, records: Any) -> None:
        """Hand the records' events to the sockets of their clients; never raises."""
        if self._hub.idle:
            return
        for record in records:
            try:
                body = orjson.loads(record.value or b"")
                if isinstance(body, dict) and self._hub.watches(str(body.get("client_id"))):
                    self._hub.publish(MetricsUpdated.model_validate(body))
            except (orjson.JSONDecodeError, ValidationError) as error:
                log.debug("live feed skipped a record", error=type(error).__name__)
            except Exception:  # a live update is best-effort: never stop the feed for one
                log.exception("live feed could not offer a record")

    async def positioned(self, timeout: float = POSITION_TIMEOUT_SECONDS) -> bool:
        """Wait until every partition is read from a known offset (a start-up hook): from then
        on, every event published reaches this replica's sockets. False if that took too long
        (live updates then start a little later; nothing else depends on it)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    consumer = self._subscriber.consumer
                    assignment = consumer.assignment() if consumer is not None else set()
                    if consumer is not None and assignment:
                        with contextlib.suppress(IllegalStateError):  # reassigned meanwhile
                            for partition in assignment:
                                await consumer.position(partition)
                            return True
                    await asyncio.sleep(0.05)
        except TimeoutError:
            log.warning("live feed not positioned yet; live updates may start late")
            return False
