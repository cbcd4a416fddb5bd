"""Reports' handlers on FastStream's ``TestKafkaBroker``: metrics events are kept per account
and day at their highest revision, on a migrated SQLite database; a record that is not a
metrics event is parked and the next one handled."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from faststream.kafka import TestKafkaBroker
from sqlmodel import col, select

from services.reports import handlers
from services.reports.app import MIGRATIONS
from services.reports.context import ReportsContext
from services.reports.models import ReportDay
from services.reports.settings import ReportsSettings
from shared.db.migrations import upgrade
from shared.events import MetricsUpdated
from shared.messaging import topics
from shared.platforms import Platform
from shared.service import Runtime
from tests.support.clock import TODAY
from tests.unit.support import clear_lsa_env


@pytest.fixture
async def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ReportsContext]:
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'reports.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    settings = ReportsSettings(database_url=url)
    runtime = Runtime.build(settings)
    context = ReportsContext(settings=settings, runtime=runtime)
    runtime.broker.include_router(handlers.register(context))
    try:
        yield context
    finally:
        await runtime.engine.dispose()


def metrics(connection_id: uuid.UUID, days_ago: int, revision: int, followers: int) -> bytes:
    event = MetricsUpdated(
        connection_id=connection_id,
        client_id="c-reports",
        platform=Platform.INSTAGRAM,
        username="dana",
        metrics_date=TODAY - timedelta(days=days_ago),
        followers=followers,
        revision=revision,
    )
    return event.model_dump_json().encode()


async def test_metrics_events_are_kept_per_day_at_their_highest_revision(
    reports: ReportsContext,
) -> None:
    cid = uuid.uuid4()
    async with TestKafkaBroker(reports.runtime.broker) as broker:
        for body in (
            metrics(cid, 2, revision=1, followers=100),
            metrics(cid, 1, revision=3, followers=125),
            b"{}",  # not a metrics event: parked; the consumer goes on
            metrics(cid, 1, revision=2, followers=999),  # a redelivered older revision
        ):
            await broker.publish(body, topics.METRICS_UPDATED, key=str(cid).encode())
    async with reports.runtime.sessions() as session:
        rows = (await session.exec(select(ReportDay).order_by(col(ReportDay.metrics_date)))).all()
    assert [(r.metrics_date, r.revision, r.followers) for r in rows] == [
        (TODAY - timedelta(days=2), 1, 100),
        (TODAY - timedelta(days=1), 3, 125),
    ]
