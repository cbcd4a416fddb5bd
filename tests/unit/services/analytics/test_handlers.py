"""Analytics' handlers on FastStream's ``TestKafkaBroker``, on a migrated SQLite database: a
connection established is tracked, its snapshots are stored and derived (a record that is not a
snapshot is parked, the others stored), and the metrics events they queue raise signals."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from faststream.message import StreamMessage
from sqlmodel import col, select

from services.analytics import handlers
from services.analytics.context import AnalyticsContext
from services.analytics.live import LiveHub
from services.analytics.models import DailySnapshot, SignalRecord, TrackedConnection
from services.analytics.settings import AnalyticsSettings
from services.registry import SERVICES
from shared.db.migrations import upgrade
from shared.events import ConnectionEstablished, MetricsUpdated
from shared.messaging import topics
from shared.outbox import OutboxMessage, OutboxRelay
from shared.platforms import Platform
from shared.service import Runtime
from tests.support.clock import TODAY
from tests.support.intake import YESTERDAY, at, snapshot
from tests.unit.support import clear_lsa_env

SNAPSHOTS = topics.snapshots(Platform.INSTAGRAM)
MIGRATIONS = SERVICES["analytics"].migrations


@dataclass
class Analytics:
    context: AnalyticsContext
    parked: list[bytes] = field(default_factory=list)

    async def publish(self, topic: str, body: bytes, key: uuid.UUID) -> None:
        await self.context.runtime.broker.publish(body, topic, key=str(key).encode())

    async def rows(self, model: Any) -> list[Any]:
        async with self.context.runtime.sessions() as session:
            return list((await session.exec(select(model))).all())


@pytest.fixture
async def analytics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Analytics]:
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    settings = AnalyticsSettings(database_url=url)
    runtime = Runtime.build(settings)
    relay = OutboxRelay(runtime.engine, runtime.publisher)  # not started: the outbox is read
    context = AnalyticsContext(
        settings=settings, runtime=runtime, relay=relay, live=LiveHub.from_settings(settings)
    )
    runtime.broker.include_router(handlers.register(context))
    harness = Analytics(context)

    async def as_bytes(message: StreamMessage[Any]) -> Any:
        return message.body

    @runtime.broker.subscriber(topics.dead_letter(SNAPSHOTS), decoder=as_bytes)
    async def parked(body: bytes) -> None:
        harness.parked.append(body)

    try:
        async with TestKafkaBroker(runtime.broker):
            yield harness
    finally:
        await runtime.engine.dispose()


async def connect(analytics: Analytics) -> uuid.UUID:
    cid = uuid.uuid4()
    first = snapshot(cid, TODAY, followers=0)
    event = ConnectionEstablished(
        connection_id=cid,
        client_id=first.client_id,
        platform=Platform.INSTAGRAM,
        platform_user_id=first.platform_user_id,
        username=first.username,
        connected_at=at(YESTERDAY - timedelta(days=1), 1),
    )
    await analytics.publish(topics.CONNECTIONS, event.model_dump_json().encode(), cid)
    return cid


async def test_snapshots_of_a_tracked_connection_are_stored_and_a_bad_one_parked(
    analytics: Analytics,
) -> None:
    cid = await connect(analytics)
    (tracked,) = await analytics.rows(TrackedConnection)
    assert tracked.connection_id == cid

    for body in (
        snapshot(cid, YESTERDAY, followers=990).model_dump_json().encode(),
        b'{"type": "snapshot"}',
        snapshot(cid, TODAY, followers=1005).model_dump_json().encode(),
    ):
        await analytics.publish(SNAPSHOTS, body, cid)

    days = await analytics.rows(DailySnapshot)
    assert sorted((d.snapshot_date, d.followers) for d in days) == [
        (YESTERDAY, 990),
        (TODAY, 1005),
    ]
    assert analytics.parked == [b'{"type": "snapshot"}']
    queued = [m for m in await analytics.rows(OutboxMessage) if m.topic == topics.METRICS_UPDATED]
    assert {MetricsUpdated.model_validate_json(m.payload).metrics_date for m in queued} >= {TODAY}


async def test_the_metrics_events_queued_raise_signals(analytics: Analytics) -> None:
    cid = await connect(analytics)
    for day, followers in ((YESTERDAY, 990), (TODAY, 1005)):
        await analytics.publish(
            SNAPSHOTS, snapshot(cid, day, followers=followers).model_dump_json().encode(), cid
        )
    async with analytics.context.runtime.sessions() as session:
        queued = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.topic) == topics.METRICS_UPDATED)
            )
        ).all()
    for message in queued:  # what the relay would publish, through the signal consumer
        await analytics.publish(topics.METRICS_UPDATED, message.payload.encode(), cid)

    signals = await analytics.rows(SignalRecord)
    assert any(s.kind == "milestone" and s.connection_id == cid for s in signals), signals
