"""Signals are stored and published once on SQLite and PostgreSQL: INSERT … ON CONFLICT DO
NOTHING on (scope, key), and only the rows inserted reach the outbox — also when two replicas
raise the same signals at the same time. No broker: the outbox is read back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from services.analytics.models import (
    ConnectionStatus,
    DailySnapshot,
    SignalRecord,
    TrackedConnection,
)
from services.analytics.settings import AnalyticsSettings
from services.analytics.signaling import SignalRules, raise_for_metrics
from services.registry import SERVICES
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import MetricsUpdated, SignalRaised
from shared.messaging import topics
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from tests.support.clock import TODAY

pytestmark = pytest.mark.integration

CLIENT = "c-dedupe"


async def test_two_replicas_and_a_replay_publish_each_signal_once(database_url: str) -> None:
    await asyncio.to_thread(upgrade, SERVICES["analytics"].migrations, database_url)
    engine = create_engine(database_url)
    sessions = make_sessionmaker(engine)
    rules = SignalRules.from_settings(AnalyticsSettings(database_url=database_url))
    yesterday = TODAY - timedelta(days=1)
    # Two accounts; yesterday one crosses 1K (990 -> 1,010) and their total 5K (4,990 -> 5,020).
    counts = {"instagram": (990, 1_010), "tiktok": (4_000, 4_010)}
    ids = {platform: uuid.uuid4() for platform in counts}
    try:
        async with sessions() as session:
            for platform, (before, after) in counts.items():
                cid = ids[platform]
                session.add(
                    TrackedConnection(
                        connection_id=cid,
                        client_id=CLIENT,
                        platform=Platform(platform),
                        platform_user_id=platform,
                        username=f"dana_{platform}",
                        status=ConnectionStatus.ACTIVE,
                        connected_at=datetime.combine(yesterday, time(8), UTC),
                    )
                )
                for day, count in ((yesterday - timedelta(days=1), before), (yesterday, after)):
                    session.add(
                        DailySnapshot(
                            connection_id=cid,
                            snapshot_date=day,
                            client_id=CLIENT,
                            platform=Platform(platform),
                            username=f"dana_{platform}",
                            followers=count,
                            fetched_at=datetime.combine(day, time(9), UTC),
                        )
                    )
            await session.commit()
        events = [
            MetricsUpdated(
                connection_id=ids[p],
                client_id=CLIENT,
                platform=Platform(p),
                username=f"dana_{p}",
                metrics_date=yesterday,
            )
            for p in counts
        ]

        async def replica() -> int:
            async with sessions() as session:
                return len(await raise_for_metrics(session, CLIENT, events, rules))

        # Two replicas at once, then a replay: 2 new signals in all.
        assert sorted(await asyncio.gather(replica(), replica())) == [0, 2]
        assert await replica() == 0

        async with sessions() as session:
            stored = (await session.exec(select(func.count()).select_from(SignalRecord))).one()
            rows = await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.topic) == topics.SIGNALS)
            )
            queued = [SignalRaised.model_validate_json(r.payload) for r in rows.all()]
        assert stored == 2
        assert {(e.kind, e.numbers["threshold"], e.connection_id) for e in queued} == {
            ("milestone", 1_000, ids["instagram"]),
            # 990 + 4,000 = 4,990 < 5,000 <= 5,020 = 1,010 + 4,010
            ("total_milestone", 5_000, None),
        }
    finally:
        await engine.dispose()
