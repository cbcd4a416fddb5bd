"""Alerts' handlers on FastStream's ``TestKafkaBroker``: metrics events keep each watched
account at its latest day and revision, on a migrated SQLite database; a record that is not a
metrics event is parked and the next one handled."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from faststream.kafka import TestKafkaBroker

from services.alerts import handlers
from services.alerts.app import MIGRATIONS
from services.alerts.context import AlertsContext
from services.alerts.models import WatchedAccount
from services.alerts.settings import AlertsSettings
from shared.db.migrations import upgrade
from shared.events import MetricsUpdated
from shared.messaging import topics
from shared.platforms import Platform
from shared.service import Runtime
from tests.support.clock import TODAY
from tests.unit.support import clear_lsa_env


@pytest.fixture
async def alerts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AlertsContext]:
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'alerts.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    settings = AlertsSettings(database_url=url)
    runtime = Runtime.build(settings)
    context = AlertsContext(settings=settings, runtime=runtime)
    runtime.broker.include_router(handlers.register(context))
    try:
        yield context
    finally:
        await runtime.engine.dispose()


def metrics(connection_id: uuid.UUID, days_ago: int, revision: int, followers: int) -> bytes:
    event = MetricsUpdated(
        connection_id=connection_id,
        client_id="c-alerts",
        platform=Platform.INSTAGRAM,
        username="dana",
        metrics_date=TODAY - timedelta(days=days_ago),
        followers=followers,
        revision=revision,
    )
    return event.model_dump_json().encode()


async def test_metrics_events_keep_the_latest_day_at_its_newest_revision(
    alerts: AlertsContext,
) -> None:
    cid = uuid.uuid4()
    async with TestKafkaBroker(alerts.runtime.broker) as broker:
        for body in (
            metrics(cid, 1, revision=2, followers=120),
            metrics(cid, 2, revision=3, followers=100),  # an older day (backfill): no change
            b"not a metrics event",  # parked; the consumer goes on
            metrics(cid, 1, revision=4, followers=125),
        ):
            await broker.publish(body, topics.METRICS_UPDATED, key=str(cid).encode())
    async with alerts.runtime.sessions() as session:
        watched = await session.get(WatchedAccount, cid)
    assert watched is not None
    assert (watched.metrics_date, watched.revision, watched.followers) == (
        TODAY - timedelta(days=1),
        4,
        125,
    )
