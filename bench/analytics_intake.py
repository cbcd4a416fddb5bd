"""``make bench`` (third part): analytics' snapshot intake against a raw consumer, side by side.

tansu on a free port; N live snapshots (``--connections``, 25 content items each, one day) are
published to the TikTok snapshot topic; then, on the same broker and the same records:

* a raw aiokafka consumer (a group of its own) reads and parses every record — the ceiling;
* ``lsa serve analytics`` (its own process, a fresh SQLite database) consumes them through the
  ``analytics.snapshots`` group and stores, derives and queues events for each — counted in its
  database until every connection's day is there.

Printed: both rates (snapshots/s), their ratio, and analytics' rate over the ingestor's sync
rate from the README (248 connections/s). Results go to ``bench-results/analytics_intake.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.analytics.app import MIGRATIONS
from services.local.broker import free_port, start_broker, stop_process
from shared import clock
from shared.db.migrations import upgrade
from shared.events import AccountSnapshot, ContentItem
from shared.messaging import topics
from shared.messaging.broker import ensure_topics
from shared.platforms import Platform
from shared.settings import KafkaSettings

LSA = str(Path(sys.executable).with_name("lsa"))
TOPIC = topics.snapshots(Platform.TIKTOK)
INGESTOR_RATE = 248.0  # connections/s, README §7 (make bench, 10,000 connections)


def snapshot(n: int) -> bytes:
    now = clock.now()
    event = AccountSnapshot(
        connection_id=uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{n}"),
        client_id=f"bench-{n % 500}",
        platform=Platform.TIKTOK,
        platform_user_id=f"u{n}",
        username=f"creator{n}",
        snapshot_date=now.date(),
        fetched_at=now,
        followers=1000 + n,
        engagement_rate=2.5,
        recent_items=[
            ContentItem(
                item_id=f"{n}-{i}",
                kind="video",
                published_at=now - timedelta(days=i),
                caption=f"video {i} #bench",
                views=1000 + i,
                likes=50 + i,
                comments=5,
                shares=2,
                engagement_rate=5.7,
            )
            for i in range(25)
        ],
    )
    return event.model_dump_json().encode()


async def publish(kafka: str, count: int) -> None:
    await ensure_topics(KafkaSettings(bootstrap_servers=kafka), topics.all_topics())
    producer = AIOKafkaProducer(bootstrap_servers=kafka, linger_ms=5)
    await producer.start()
    try:
        for n in range(count):
            key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{n}")).encode()
            await producer.send(TOPIC, snapshot(n), key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def raw_rate(kafka: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=kafka,
        group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen, started = 0, time.monotonic()
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            for records in batches.values():
                for record in records:
                    AccountSnapshot.model_validate_json(record.value or b"")
                    seen += 1
        return count / (time.monotonic() - started)
    finally:
        await consumer.stop()


def analytics_rate(kafka: str, count: int, tmp: Path) -> float:
    db = tmp / "analytics.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade(MIGRATIONS, url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSA_")}
    env.update(
        LSA_KAFKA_BOOTSTRAP_SERVERS=kafka,
        LSA_ANALYTICS_DATABASE_URL=url,
        LSA_DATA_DIR=str(tmp),
        LSA_LOG_LEVEL="WARNING",
    )
    port, internal = free_port(), free_port()
    argv = [LSA, "serve", "analytics", "--port", str(port), "--internal-port", str(internal)]
    with (tmp / "analytics.log").open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started: float | None = None
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as connection:
                stored = connection.execute("SELECT count(*) FROM daily_snapshots").fetchone()[0]
            if stored and started is None:
                started = time.monotonic()  # from the first stored record: start-up excluded
            if stored >= count:
                assert started is not None
                return count / max(time.monotonic() - started, 1e-3)
            time.sleep(0.05)
        raise SystemExit("analytics did not store every snapshot within 15 minutes")
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lsa-intake-bench-") as name:
        tmp = Path(name)
        port = free_port()
        broker = start_broker(port, log=tmp / "broker.log")
        kafka = f"127.0.0.1:{port}"
        try:
            asyncio.run(publish(kafka, args.connections))
            raw = asyncio.run(raw_rate(kafka, args.connections))
            stored = analytics_rate(kafka, args.connections, tmp)
        finally:
            stop_process(broker)
    result = {
        "snapshots": args.connections,
        "items_per_snapshot": 25,
        "raw_consumer_per_s": round(raw, 1),
        "analytics_per_s": round(stored, 1),
        "ratio_to_raw": round(stored / raw, 3),
        "ratio_to_ingestor_sync_rate": round(stored / INGESTOR_RATE, 2),
    }
    print(f"\nSnapshot intake ({args.connections} snapshots, 25 items each, SQLite):")
    print(f"  raw aiokafka consumer   {raw:8.1f} snapshots/s")
    print(f"  analytics (stored)      {stored:8.1f} snapshots/s")
    print(f"  ratio to raw            {stored / raw:8.3f}   (target >= 0.3)")
    print(f"  ratio to ingestor rate  {stored / INGESTOR_RATE:8.2f}   (target >= 10)")
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "analytics_intake.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
