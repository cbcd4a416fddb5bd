"""The signals consumer on a real broker: metrics events in, ``analytics.signals.v1`` out (through
the outbox relay), and a malformed metrics event dead-lettered while the consumer goes on.

Only analytics' signal consumer runs (no other service), on a broker of its own: the services'
group ids are fixed, and other tests' analytics processes on the session's broker would share
the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from services.analytics import signal_intake
from services.analytics.context import AnalyticsContext
from services.analytics.live import LiveHub
from services.analytics.models import ConnectionStatus, DailySnapshot, TrackedConnection
from services.analytics.settings import AnalyticsSettings
from services.local.broker import free_port, start_broker, stop_process
from services.registry import SERVICES
from shared.db.migrations import upgrade
from shared.events import MetricsUpdated, SignalRaised
from shared.messaging import topics
from shared.messaging.broker import ensure_topics, make_broker
from shared.outbox import OutboxRelay
from shared.platforms import Platform
from shared.service import Runtime
from shared.settings import CommonSettings, KafkaSettings
from tests.support.clock import TODAY
from tests.support.kafka import read_topics

pytestmark = pytest.mark.integration

CLIENT = "c-broker-signals"


@pytest.fixture(scope="module")
def own_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    process = start_broker(port, log=tmp_path_factory.mktemp("signals") / "broker.log")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(process)


@contextlib.asynccontextmanager
async def signal_consumer(kafka: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    """Analytics' signal consumer and outbox relay, on a migrated SQLite database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, SERVICES["analytics"].migrations, url)
    kafka_settings = KafkaSettings(
        bootstrap_servers=kafka, topic_partitions=1, consumer_max_attempts=2
    )
    settings = AnalyticsSettings(
        database_url=url, common=CommonSettings(data_dir=tmp_path, kafka=kafka_settings)
    )
    main = [topics.METRICS_UPDATED, topics.SIGNALS]
    await ensure_topics(kafka_settings, main + [topics.dead_letter(t) for t in main])
    runtime = Runtime.build(settings)
    relay = OutboxRelay(runtime.engine, runtime.publisher, interval=0.2)
    live = LiveHub.from_settings(settings)
    context = AnalyticsContext(settings=settings, runtime=runtime, relay=relay, live=live)
    runtime.broker.include_router(signal_intake.register(context))
    await runtime.broker.start()
    relay.start()
    try:
        yield runtime
    finally:
        await relay.stop()
        await runtime.broker.stop()
        await runtime.engine.dispose()


async def test_metrics_events_become_signals_and_bad_ones_are_parked(
    own_kafka: str, tmp_path: Path
) -> None:
    yesterday = TODAY - timedelta(days=1)
    cid = uuid.uuid4()
    async with signal_consumer(own_kafka, tmp_path) as runtime:
        async with runtime.sessions() as session:
            session.add(
                TrackedConnection(
                    connection_id=cid,
                    client_id=CLIENT,
                    platform=Platform.INSTAGRAM,
                    platform_user_id="1784",
                    username="dana",
                    status=ConnectionStatus.ACTIVE,
                    connected_at=datetime.combine(yesterday, time(8), UTC),
                )
            )
            for day, count in ((yesterday - timedelta(days=1), 24_990), (yesterday, 25_004)):
                session.add(
                    DailySnapshot(
                        connection_id=cid,
                        snapshot_date=day,
                        client_id=CLIENT,
                        platform=Platform.INSTAGRAM,
                        username="dana",
                        followers=count,
                        fetched_at=datetime.combine(day, time(9), UTC),
                    )
                )
            await session.commit()
        event = MetricsUpdated(
            connection_id=cid,
            client_id=CLIENT,
            platform=Platform.INSTAGRAM,
            username="dana",
            metrics_date=yesterday,
            followers=25_004,
            revision=1,
        )
        producer = make_broker(KafkaSettings(bootstrap_servers=own_kafka), client_id="producer")
        await producer.start()
        try:
            await producer.publish(b"{not json", topics.METRICS_UPDATED, key=b"k-bad")
            await producer.publish(
                b'{"type": "metrics.updated", "client_id": "c"}',  # no connection, no day
                topics.METRICS_UPDATED,
                key=b"k-incomplete",
            )
            await producer.publish(
                event.model_dump_json().encode(), topics.METRICS_UPDATED, key=str(cid).encode()
            )
        finally:
            await producer.stop()

        dead = topics.dead_letter(topics.METRICS_UPDATED)
        records = await read_topics(
            own_kafka,
            [topics.SIGNALS, dead],
            until=lambda rs: (
                [r.topic for r in rs].count(dead) >= 2
                and any(r.topic == topics.SIGNALS for r in rs)
            ),
        )

    signals = [r for r in records if r.topic == topics.SIGNALS]
    parked = [r for r in records if r.topic == dead]
    (record,) = signals
    assert record.key == CLIENT.encode()
    assert record.headers["event-type"] == "signal.raised"
    raised = SignalRaised.model_validate(json.loads(record.value))
    assert (raised.kind, raised.day, raised.connection_id) == ("milestone", yesterday, cid)
    # 24,990 < 25,000 <= 25,004
    assert raised.numbers == {"threshold": 25_000, "before": 24_990, "after": 25_004}
    assert {r.key: r.headers["x-dlq-reason"] for r in parked} == {
        b"k-bad": "invalid",
        b"k-incomplete": "invalid",
    }
    assert all(r.headers["x-consumer-group"] == signal_intake.GROUP_ID for r in parked)
