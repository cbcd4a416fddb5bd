"""Analytics killed with SIGKILL in the middle of a snapshot stream loses and doubles nothing.

The real service (``lsa serve analytics``, its own process) consumes a stream of live snapshots
with content items from the real broker; it is killed mid-stream and started again. Offsets are
committed only after a batch is stored (``NACK_ON_ERROR`` and batch commits), so the new process
takes up the uncommitted records again; storing is idempotent. At the end every (connection,
day) is stored once, with its figures, its content items and its derived changes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, func, select

from services.analytics.app import MIGRATIONS
from services.analytics.models import ContentItemDay, DailySnapshot
from services.local.broker import free_port
from shared import clock
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import AccountSnapshot, ContentItem
from shared.messaging import topics
from shared.messaging.broker import ensure_topics, make_broker
from shared.platforms import Platform
from shared.settings import KafkaSettings
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
LSA = str(Path(sys.executable).with_name("lsa"))
CONNECTIONS, DAYS, ITEMS = 40, 30, 5


def _stream(client_id: str) -> list[AccountSnapshot]:
    start = clock.today() - timedelta(days=DAYS)
    out = []
    for n in range(CONNECTIONS):
        connection_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{client_id}/{n}")
        for d in range(DAYS):
            day = start + timedelta(days=d)
            fetched = clock.now() - timedelta(days=DAYS - d)
            out.append(
                AccountSnapshot(
                    connection_id=connection_id,
                    client_id=client_id,
                    platform=Platform.TIKTOK,
                    platform_user_id=f"u{n}",
                    username=f"creator{n}",
                    snapshot_date=day,
                    fetched_at=fetched,
                    followers=1000 + 10 * n + 3 * d,
                    recent_items=[
                        ContentItem(item_id=f"{n}-{i}", kind="video", likes=d + i)
                        for i in range(ITEMS)
                    ],
                )
            )
    return out


class Analytics:
    """``lsa serve analytics`` as a process of its own, startable again after a kill."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port, self.internal = free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [LSA, "serve", "analytics", "--port", str(self.port),
                 "--internal-port", str(self.internal)],
                env=self.env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def ready(self) -> None:
        async def probe() -> bool:
            try:
                async with httpx.AsyncClient() as http:
                    answer = await http.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
                return answer.status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(probe, timeout=90)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def analytics(kafka: str, database_url: str, tmp_path: Path) -> Iterator[Analytics]:
    upgrade(MIGRATIONS, database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSA_")}
    env.update(
        LSA_KAFKA_BOOTSTRAP_SERVERS=kafka,
        LSA_ANALYTICS_DATABASE_URL=database_url,
        LSA_DATA_DIR=str(tmp_path),
        LSA_ANALYTICS_SNAPSHOT_BATCH_SIZE="50",  # many batches: the kill lands between commits
    )
    env[clock.OFFSET_ENV] = repr(clock.offset_to(clock.now()))
    service = Analytics(env, tmp_path / "analytics.log")
    try:
        yield service
    finally:
        service.stop()


async def _counts(database_url: str, client_id: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            days = await session.exec(
                select(func.count()).where(col(DailySnapshot.client_id) == client_id)
            )
            items = await session.exec(
                select(func.count()).where(col(ContentItemDay.client_id) == client_id)
            )
            return int(days.one()), int(items.one())
    finally:
        await engine.dispose()


async def test_a_killed_analytics_loses_and_doubles_nothing(
    analytics: Analytics, kafka: str, database_url: str
) -> None:
    client_id = f"kill-{uuid.uuid4().hex[:6]}"
    settings = KafkaSettings(bootstrap_servers=kafka)
    await ensure_topics(settings, topics.all_topics())
    stream = _stream(client_id)
    broker = make_broker(settings, client_id="test-intake")
    await broker.connect()
    try:
        for snapshot in stream:
            await broker.publish(
                snapshot.model_dump(mode="json"),
                topic=topics.snapshots(Platform.TIKTOK),
                key=str(snapshot.connection_id).encode(),
            )
    finally:
        await broker.stop()
    analytics.start()  # the whole stream is waiting for it

    async def partly() -> bool:
        days, _ = await _counts(database_url, client_id)
        return 0 < days < len(stream)

    await eventually(partly, timeout=60, interval=0.05)
    analytics.kill()
    stored_at_kill, _ = await _counts(database_url, client_id)
    analytics.start()
    await analytics.ready()

    async def complete() -> tuple[int, int] | None:
        counts = await _counts(database_url, client_id)
        return counts if counts[0] >= len(stream) else None

    days, items = await eventually(complete, timeout=120)
    assert 0 < stored_at_kill < len(stream)  # the kill did land mid-stream
    assert days == CONNECTIONS * DAYS  # each (connection, day) once: nothing lost or doubled
    assert items == CONNECTIONS * DAYS * ITEMS
    engine = create_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (
                await session.exec(
                    select(DailySnapshot).where(col(DailySnapshot.client_id) == client_id)
                )
            ).all()
    finally:
        await engine.dispose()
    for row in rows:
        n = int(row.username.removeprefix("creator"))
        d = (row.snapshot_date - (clock.today() - timedelta(days=DAYS))).days
        assert row.followers == 1000 + 10 * n + 3 * d
        # +3 a day: every day but the first has its 1-day change, the 7-day one from day 7 on.
        assert row.followers_change_1d == (3 if d >= 1 else None)
        assert row.followers_change_7d == (21 if d >= 7 else None)
