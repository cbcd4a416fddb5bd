"""``make bench`` (third part): analytics' snapshot intake against a raw consumer, side by side.

Two scenarios (``--scenarios``), for each database (``--kinds``, SQLite and PostgreSQL by
default), in the same run:

* ``new``: N connections (``--connections``) analytics has never seen send their first day;
* ``daily``: the steady state of a daily sync — N connections (``--daily-connections``) that
  already have 365 stored days each (seeded straight into the database before analytics
  starts, the days derived by analytics' own ``recompute``) send today's.

Each: tansu on a free port; one live snapshot per connection (25 content items) published to the
TikTok snapshot topic; then, on the same broker and the same records:

* a raw aiokafka consumer (a group of its own) reads and parses every record — the ceiling;
* ``lsa serve analytics`` (its own process, a fresh database) consumes them through the
  ``analytics.snapshots`` group and stores, derives and queues events for each — counted in its
  database until every connection's revision has moved on. ``--replicas 1,2`` runs it again with two
  processes in the same group, as replicas in the cluster share the partitions.

Printed: both rates (snapshots/s), their ratio (target 0.3), and analytics' rate over the
ingestor's sync rate from the README (248 connections/s; target 10x, 2,480/s). Results go to
``bench-results/analytics_intake.json``. PostgreSQL: ``LSA_BENCH_POSTGRES_DSN`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``) creates and drops a database of its own.
``LSA_BENCH_PROFILE=DIR`` runs analytics under cProfile:
``DIR/<kind>-<scenario>-<replicas>-<replica>.prof`` and the log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
import sqlalchemy.orm
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.databases import fresh_database
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
ITEMS = 25  # content items per snapshot
HISTORY_DAYS = 365  # stored days per connection in the daily scenario
COUNT = "SELECT count(*) FROM tracked_connections WHERE revision > {base}"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
Counter = Callable[[], Awaitable[int]]


def connection_id(n: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{n}")


def live(n: int, days_ago: int = 0) -> AccountSnapshot:
    """Connection ``n``'s live sync of the day ``days_ago`` days before today."""
    now = clock.now() - timedelta(days=days_ago)
    return AccountSnapshot(
        connection_id=connection_id(n),
        client_id=f"bench-{n % 500}",
        platform=Platform.TIKTOK,
        platform_user_id=f"u{n}",
        username=f"creator{n}",
        snapshot_date=now.date(),
        fetched_at=now,
        followers=1000 + n + 3 * (HISTORY_DAYS - days_ago),
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
            for i in range(ITEMS)
        ],
    )


def snapshot(n: int) -> bytes:
    return live(n).model_dump_json().encode()


async def seed(url: str, count: int) -> None:
    """``count`` connections with a year of live days each, as analytics would have stored them:
    one connection's days derived by ``history.recompute`` (content rows left out), copied to
    the others. Revision 1, as after storing them in one batch."""
    from services.analytics.history import recompute
    from services.analytics.models import DailySnapshot, TrackedConnection
    from shared.db import create_engine

    sa.orm.configure_mappers()  # as the service's first query would
    template = recompute({}, [live(0, days_ago) for days_ago in range(1, HISTORY_DAYS + 1)])
    days = DailySnapshot.__table__  # type: ignore[attr-defined]
    names = [column.name for column in days.columns]
    rows = [{name: getattr(row, name) for name in names} for row in template.changed]
    engine = create_engine(url)
    try:
        for start in range(0, count, 50):
            async with engine.begin() as connection:
                ids = range(start, min(start + 50, count))
                await connection.execute(
                    sa.insert(TrackedConnection.__table__),  # type: ignore[attr-defined]
                    [
                        {
                            "connection_id": connection_id(n),
                            "client_id": f"bench-{n % 500}",
                            "platform": Platform.TIKTOK.value,
                            "platform_user_id": f"u{n}",
                            "username": f"creator{n}",
                            "status": "active",
                            "connected_at": clock.now(),
                            "revision": 1,
                        }
                        for n in ids
                    ],
                )
                await connection.execute(
                    sa.insert(days),
                    [
                        row
                        | {
                            "connection_id": connection_id(n),
                            "client_id": f"bench-{n % 500}",
                            "username": f"creator{n}",
                        }
                        for n in ids
                        for row in rows
                    ],
                )
    finally:
        await engine.dispose()


async def publish(kafka: str, count: int) -> None:
    await ensure_topics(KafkaSettings(bootstrap_servers=kafka), topics.all_topics())
    producer = AIOKafkaProducer(bootstrap_servers=kafka, linger_ms=5)
    await producer.start()
    try:
        for n in range(count):
            key = str(connection_id(n)).encode()
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


@asynccontextmanager
async def database(kind: str, directory: Path, base: int) -> AsyncIterator[tuple[str, Counter]]:
    """A fresh, migrated database of ``kind`` (dropped afterwards): its SQLAlchemy URL, and how
    to count, without going through analytics, the connections stored past revision ``base``."""
    count = COUNT.format(base=base)
    async with fresh_database(kind, directory, "lsa_bench_intake") as (url, native):
        await asyncio.to_thread(upgrade, MIGRATIONS, url)
        if kind == "sqlite":

            async def count_sqlite() -> int:
                with sqlite3.connect(native) as connection:
                    return int(connection.execute(count).fetchone()[0])

            yield url, count_sqlite
            return
        reader = await asyncpg.connect(native)
        try:

            async def count_postgresql() -> int:
                return int(await reader.fetchval(count))

            yield url, count_postgresql
        finally:
            await reader.close()


async def analytics_rate(
    kafka: str, count: int, url: str, stored: Counter, tmp: Path, replicas: int
) -> float:
    """``replicas`` processes of ``lsa serve analytics`` on ``url`` (one consumer group, as
    replicas in the cluster share the partitions): snapshots stored per second, from the first
    stored."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSA_")}
    env.update(
        LSA_KAFKA_BOOTSTRAP_SERVERS=kafka,
        LSA_ANALYTICS_DATABASE_URL=url,
        LSA_DATA_DIR=str(tmp),
        LSA_LOG_LEVEL="WARNING",
    )
    profile = os.environ.get("LSA_BENCH_PROFILE")  # a directory: cProfile of each replica
    processes = []
    for replica in range(replicas):
        port, internal = free_port(), free_port()
        argv = [LSA, "serve", "analytics", "--port", str(port), "--internal-port", str(internal)]
        if profile:
            out = Path(profile) / f"{tmp.name}-{replica}.prof"
            argv = [sys.executable, "-m", "cProfile", "-o", str(out), *argv]
        with (tmp / "analytics.log").open("ab") as log:
            processes.append(subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        # Timed from the first records seen stored, counting only those stored after them:
        # start-up and the consumer group's join are left out, and so is the first commit,
        # whose work began before the clock did (counting it made small runs look far faster).
        first: tuple[float, int] | None = None
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            done = await stored()
            if done and first is None:
                first = (time.monotonic(), done)
            if done >= count:
                assert first is not None
                if first[1] >= count:
                    raise SystemExit(f"all {count} stored at once: publish more to time them")
                return (count - first[1]) / max(time.monotonic() - first[0], 1e-3)
            await asyncio.sleep(0.02)
        raise SystemExit("analytics did not store every snapshot within 15 minutes")
    finally:
        # SIGINT under cProfile: uvicorn re-raises the signal it caught, and only an interrupt
        # (not a SIGTERM) leaves cProfile the time to write its file.
        for process in processes:
            process.send_signal(signal.SIGINT if profile else signal.SIGTERM)
        for process in processes:
            await asyncio.to_thread(process.wait, 60)
        if profile:
            shutil.copy(tmp / "analytics.log", Path(profile) / f"{tmp.name}.log")


async def measure(kind: str, scenario: str, count: int, replicas: int, tmp: Path) -> dict[str, Any]:
    """One kind of database, scenario and number of replicas: a broker of its own (analytics'
    consumer group starts from the beginning), the same N snapshots, the raw consumer, then
    analytics."""
    directory = tmp / f"{kind}-{scenario}-{replicas}"
    directory.mkdir()
    port = free_port()
    broker = start_broker(port, log=directory / "broker.log")
    kafka = f"127.0.0.1:{port}"
    try:
        await publish(kafka, count)
        raw = await raw_rate(kafka, count)
        daily = scenario == "daily"
        async with database(kind, directory, base=int(daily)) as (url, stored):
            if daily:
                await seed(url, count)
            rate = await analytics_rate(kafka, count, url, stored, directory, replicas)
    finally:
        stop_process(broker)
    return {
        "database": kind,
        "scenario": scenario,
        "replicas": replicas,
        "stored_days_per_connection": HISTORY_DAYS if daily else 0,
        "snapshots": count,
        "items_per_snapshot": ITEMS,
        "raw_consumer_per_s": round(raw, 1),
        "analytics_per_s": round(rate, 1),
        "ratio_to_raw": round(rate / raw, 3),
        "ratio_to_ingestor_sync_rate": round(rate / INGESTOR_RATE, 2),
    }


SCENARIOS = {"new": "new connections", "daily": f"daily ({HISTORY_DAYS} days stored)"}


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"Snapshot intake ({ITEMS} content items each)"
        f"   0.3x raw target; 10x target: {10 * INGESTOR_RATE:,.0f}/s"
        f" (ingestor sync rate {INGESTOR_RATE:,.0f}/s); load average"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"  {'scenario':<25} {'database':<11} {'replicas':>8} {'snapshots':>9} {'raw consumer':>14}"
        f" {'analytics':>12} {'ratio to raw':>13} {'x ingestor':>11}",
    ]
    for r in results:
        lines.append(
            f"  {SCENARIOS[r['scenario']]:<25} {NAMES[r['database']]:<11}"
            f" {r['replicas']:>8} {r['snapshots']:>9,} {r['raw_consumer_per_s']:>12,.0f}/s"
            f" {r['analytics_per_s']:>10,.0f}/s {r['ratio_to_raw']:>13.3f}"
            f" {r['ratio_to_ingestor_sync_rate']:>10.2f}x"
        )
    return "\n".join(lines)


async def run(
    counts: dict[str, int], kinds: list[str], replicas: list[int]
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="lsa-intake-bench-") as name:
        return [
            await measure(kind, scenario, count, n, Path(name))
            for scenario, count in counts.items()
            for n in replicas
            for kind in kinds
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=5000, help="snapshots published")
    parser.add_argument(
        "--daily-connections", type=int, default=2000, help="snapshots of the daily scenario"
    )
    parser.add_argument("--kinds", default="sqlite,postgresql", help="databases, in order")
    parser.add_argument("--scenarios", default="new,daily", help="scenarios, in order")
    parser.add_argument(
        "--replicas", default="1", help="analytics processes sharing the group, in order"
    )
    args = parser.parse_args()
    sizes = {"new": args.connections, "daily": args.daily_connections}
    counts = {scenario: sizes[scenario] for scenario in args.scenarios.split(",")}
    replicas = [int(n) for n in args.replicas.split(",")]
    results = asyncio.run(run(counts, args.kinds.split(","), replicas))
    print("\n" + table(results))
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "analytics_intake.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
