"""``make bench``: sync N emulated connections end to end and compare with the sequential loop.

What runs, each as in production but on this machine:

* tansu (the Kafka-compatible broker) on a free port;
* the platform emulator in its own process, answering at ``--latency-ms`` (default 50 ms), with
  the emulated per-account windows and Meta's hourly budget lifted — N connections share a few
  dozen demo accounts here, which no real platform would see;
* the ingestor, ``--replicas`` processes (default 2, one per core) started as ``lsa serve
  ingestor`` and sharing the ``ingestor.sync-requests`` consumer group as pods would, their
  SQLite database seeded with N connections across the six platforms;
* a stand-in for the connector's internal token routes (the tokens were obtained once per demo
  account through each platform's real OAuth flow against the emulator).

Measured: from publishing N ``SyncRequested`` to N snapshot events on the broker — connections per
second, platform API calls per connection (and per platform), CPU milliseconds per connection of
each process (what bounds the rate on two cores), each replica's peak and sampled memory; then
the baseline: the same connections synced one after another (the specification's loop, with the
same platform clients) in this process, on a sample, and the ratio of the two rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI, HTTPException

from emulator.driver import consent
from services.connector.oauth import pkce_pair
from services.ingestor.app import MIGRATIONS
from services.ingestor.models import KnownConnection
from services.ingestor.syncing import live_snapshot
from services.local.broker import free_port, start_broker, stop_process, wait_for_port
from shared import clock
from shared.db.migrations import upgrade
from shared.events import SyncReason, SyncRequested
from shared.http_client import outbound_client
from shared.messaging import topics
from shared.messaging.broker import ensure_topics
from shared.platforms import Platform
from shared.platforms.base import PlatformError
from shared.platforms.capture import capturing
from shared.platforms.registry import PlatformClient, build_clients
from shared.settings import KafkaSettings

CREATORS = ("steady_creator", "viral_vera", "stalled_sam", "declining_dan", "new_nina")
REDIRECT = "https://bench.lsa.test/api/portal/social/callback/{platform}"


@dataclass(frozen=True)
class Account:
    platform: Platform
    creator: str
    user_id: str
    username: str
    token: str


#: Thousands of bench connections share a few dozen demo tokens; per-account limits (client and
#: emulator side) would then throttle far more than any real account ever is, so both are lifted.
UNTHROTTLED = {f"LSA_{p.name}_REQUESTS_PER_MINUTE": "100000000" for p in Platform}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSA_")}
    env.update(UNTHROTTLED)
    env.update(extra)
    return env


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def _accounts(emulator_url: str) -> list[Account]:
    """One real OAuth connect per platform and demo creator, through the platform clients."""
    accounts = []
    async with httpx.AsyncClient(timeout=30) as http:
        clients = build_clients(http, emulator_url=emulator_url)
        for platform, client in clients.items():
            for creator in CREATORS:
                redirect = REDIRECT.format(platform=platform.value)
                verifier, challenge = pkce_pair() if client.supports_pkce else (None, None)
                url = client.authorization_url(
                    state=uuid.uuid4().hex, redirect_uri=redirect, code_challenge=challenge
                )
                location = await consent(http, url, account=creator)
                code = httpx.URL(location).params.get("code")
                if not code:
                    continue  # this creator has no account of that kind (no Page, no channel)
                try:
                    grant = await client.exchange_code(
                        code=code, redirect_uri=redirect, code_verifier=verifier
                    )
                except PlatformError:
                    continue  # e.g. a Facebook user without a Page
                identity = await client.identity(grant.access_token)
                accounts.append(
                    Account(
                        platform,
                        creator,
                        identity.platform_user_id,
                        identity.username,
                        grant.access_token,
                    )
                )
    return accounts


def _seed(db: Path, accounts: list[Account], count: int) -> list[tuple[str, Account]]:
    upgrade(MIGRATIONS, f"sqlite+aiosqlite:///{db}")
    rows = [(str(uuid.uuid4()), accounts[i % len(accounts)]) for i in range(count)]
    with sqlite3.connect(db) as sql:
        sql.executemany(
            f"INSERT INTO {KnownConnection.__tablename__} (connection_id, client_id, platform,"
            " platform_user_id, username, active, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
            [
                (
                    uuid.UUID(cid).hex,
                    f"bench-{i % 500}",
                    a.platform.value,
                    a.user_id,
                    a.username,
                    clock.now().isoformat(),
                )
                for i, (cid, a) in enumerate(rows)
            ],
        )
    return rows


def _start_ingestor(
    log: Path, *, port: int, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int]:
    """One ingestor replica (``lsa serve ingestor``), as a pod would run it.

    Each replica needs an internal port of its own too (``/metrics``), as pods have.
    """
    serve = ["serve", "ingestor", "--port", str(port), "--internal-port", str(free_port())]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *serve],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, port


async def _ready(port: int, timeout: float = 120) -> None:
    deadline = time.perf_counter() + timeout
    async with httpx.AsyncClient() as http:
        while time.perf_counter() < deadline:
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"the ingestor on port {port} did not become ready")


def _token_server(tokens: dict[str, Account]) -> FastAPI:
    """The connector's two internal token routes, answering from the bench's table."""
    app = FastAPI()

    def grant(connection_id: str) -> dict[str, Any]:
        account = tokens[connection_id]
        return {
            "connection_id": connection_id,
            "platform": account.platform.value,
            "platform_user_id": account.user_id,
            "access_token": account.token,
            "expires_at": None,
        }

    @app.get("/internal/connections/{connection_id}/access-token")
    async def lend(connection_id: str) -> dict[str, Any]:
        if connection_id not in tokens:
            raise HTTPException(404)
        return grant(connection_id)

    @app.post("/internal/access-tokens")
    async def lend_many(body: dict[str, list[str]]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(body["connection_ids"]))
        return {
            "tokens": [grant(c) for c in wanted if c in tokens],
            "unavailable": [
                {"connection_id": c, "reason": "gone", "detail": "unknown", "retry_after": None}
                for c in wanted
                if c not in tokens
            ],
        }

    return app


async def _baseline(
    rows: list[tuple[str, Account]], emulator_url: str, kafka: str
) -> tuple[float, int]:
    """The specification's loop: one connection after another, fetch then publish."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        async with outbound_client(timeout=30) as http:  # the ingestor's own HTTP stack
            clients: dict[Platform, PlatformClient] = build_clients(http, emulator_url=emulator_url)
            started = time.perf_counter()
            with capturing() as answers:  # every platform answer: the calls made
                for connection_id, account in rows:
                    data = await clients[account.platform].fetch_snapshot(
                        account.token, account_id=account.user_id
                    )
                    request = SyncRequested(
                        connection_id=uuid.UUID(connection_id),
                        client_id="b",
                        platform=account.platform,
                        reason=SyncReason.DAILY,
                    )
                    known = KnownConnection(
                        connection_id=uuid.UUID(connection_id),
                        client_id="b",
                        platform=account.platform,
                        platform_user_id=account.user_id,
                        username=account.username,
                    )
                    snapshot = live_snapshot(request, known, data, fetched_at=clock.now())
                    await producer.send_and_wait(
                        "bench.baseline.snapshots",
                        snapshot.model_dump_json().encode(),
                        key=connection_id.encode(),
                    )
            elapsed = time.perf_counter() - started
            calls = len(answers)
    finally:
        await producer.stop()
    return len(rows) / elapsed, calls


async def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    kafka_port, emulator_port, tokens_port = (free_port() for _ in range(3))
    kafka = f"127.0.0.1:{kafka_port}"
    processes: list[subprocess.Popen[bytes]] = [start_broker(kafka_port, log=work / "broker.log")]
    cli = [sys.executable, "-m", "services.cli"]
    try:
        emulator_log = open(work / "emulator.log", "wb")  # noqa: SIM115
        processes.append(
            subprocess.Popen(
                [*cli, "emulator", "--port", str(emulator_port)],
                env=_env(
                    LSA_EMULATOR_LATENCY_MS=str(args.latency_ms),
                    LSA_EMULATOR_NATURAL_RATE_LIMITS="false",
                    LSA_EMULATOR_YOUTUBE_DAILY_QUOTA_UNITS="100000000",
                    LSA_EMULATOR_META_APP_CALLS_PER_HOUR="100000000",
                ),
                stdout=emulator_log,
                stderr=subprocess.STDOUT,
            )
        )
        emulator_url = f"http://127.0.0.1:{emulator_port}"
        wait_for_port(emulator_port, timeout=60)
        accounts = await _accounts(emulator_url)
        db = work / "ingestor.db"
        db.unlink(missing_ok=True)
        rows = await asyncio.to_thread(_seed, db, accounts, args.connections)
        tokens = {cid: account for cid, account in rows}
        server = uvicorn.Server(
            uvicorn.Config(
                _token_server(tokens), port=tokens_port, log_level="warning", access_log=False
            )
        )
        token_task = asyncio.create_task(server.serve())
        await ensure_topics(
            KafkaSettings(bootstrap_servers=kafka, topic_partitions=args.partitions),
            topics.all_topics(),
        )
        ingestors = [
            _start_ingestor(
                work / f"ingestor-{n}.log",
                port=port,
                env=_env(
                    LSA_KAFKA_BOOTSTRAP_SERVERS=kafka,
                    LSA_INGESTOR_DATABASE_URL=f"sqlite+aiosqlite:///{db}",
                    LSA_PLATFORM_EMULATOR_URL=emulator_url,
                    LSA_CONNECTOR_URL=f"http://127.0.0.1:{tokens_port}",
                    LSA_INGESTOR_SYNC_CONCURRENCY=str(args.concurrency),
                    LSA_INGESTOR_SCHEDULER_ENABLED="false",
                    LSA_LOG_LEVEL="WARNING",
                ),
            )
            for n, port in enumerate(free_port() for _ in range(args.replicas))
        ]
        processes.extend(process for process, _ in ingestors)
        await asyncio.gather(*(_ready(port) for _, port in ingestors))

        consumer = AIOKafkaConsumer(
            *(topics.snapshots(p) for p in Platform),
            bootstrap_servers=kafka,
            group_id=f"bench-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        producer = AIOKafkaProducer(bootstrap_servers=kafka, linger_ms=5)
        await producer.start()
        replicas = [process.pid for process, _ in ingestors]
        watched = {
            "emulator": [processes[1].pid],
            "broker": [processes[0].pid],
            "ingestor": replicas,
        }
        cpu_before = {name: sum(map(_cpu_s, pids)) for name, pids in watched.items()}
        cpu_before["bench"] = time.process_time()
        started = time.perf_counter()
        for connection_id, account in rows:
            request = SyncRequested(
                connection_id=uuid.UUID(connection_id),
                client_id="bench",
                platform=account.platform,
                reason=SyncReason.DAILY,
            )
            await producer.send(
                topics.SYNC_REQUESTS, request.model_dump_json().encode(), key=connection_id.encode()
            )
        await producer.flush()
        seen, samples, last_sample = 0, [], 0.0
        deadline = started + args.timeout
        while seen < len(rows) and time.perf_counter() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            seen += sum(len(messages) for messages in batch.values())
            now = time.perf_counter()
            if now - last_sample >= 1:
                samples.append((seen, max(map(_rss_kb, replicas))))
                last_sample = now
        elapsed = time.perf_counter() - started
        cpu = {name: sum(map(_cpu_s, pids)) - cpu_before[name] for name, pids in watched.items()}
        cpu["bench"] = time.process_time() - cpu_before["bench"]
        peak_kb = max(_rss_kb(pid, "VmHWM") for pid in replicas)
        await producer.stop()
        await consumer.stop()
        with sqlite3.connect(db) as sql:
            calls, synced = sql.execute(
                "SELECT sum(api_calls), count(*) FROM sync_runs WHERE status = 'succeeded'"
            ).fetchone()
            by_platform = dict(
                sql.execute(
                    "SELECT platform, round(avg(api_calls), 2) FROM sync_runs"
                    " WHERE status = 'succeeded' GROUP BY platform ORDER BY platform"
                ).fetchall()
            )
        sample = rows[: args.baseline]
        baseline_rate, baseline_calls = await _baseline(sample, emulator_url, kafka)
        server.should_exit = True
        await token_task
    finally:
        for process in reversed(processes):
            stop_process(process)

    rate = seen / elapsed
    quarter = next(
        (kb for n, kb in samples if n >= len(rows) // 4), samples[0][1] if samples else 0
    )
    return {
        "connections": len(rows),
        "snapshots_seen": seen,
        "elapsed_s": round(elapsed, 1),
        "connections_per_s": round(rate, 1),
        "api_calls_per_connection": round((calls or 0) / max(1, synced or 0), 2),
        "api_calls_by_platform": by_platform,
        "cpu_ms_per_connection": {
            name: round(1000 * seconds / max(1, seen), 2) for name, seconds in cpu.items()
        },
        "ingestor_peak_rss_mb": round(peak_kb / 1024, 1),
        "ingestor_rss_mb_at_25pct": round(quarter / 1024, 1),
        "ingestor_rss_mb_at_end": round((samples[-1][1] if samples else 0) / 1024, 1),
        "baseline_connections": len(sample),
        "baseline_connections_per_s": round(baseline_rate, 2),
        "baseline_api_calls_per_connection": round(baseline_calls / max(1, len(sample)), 2),
        "ratio_vs_baseline": round(rate / baseline_rate, 1) if baseline_rate else None,
        "latency_ms": args.latency_ms,
        "ingestor_replicas": args.replicas,
        "concurrency_per_replica": args.concurrency,
        "target_connections_per_s": 150,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument(
        "--concurrency", type=int, default=64, help="LSA_INGESTOR_SYNC_CONCURRENCY per replica"
    )
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--baseline", type=int, default=100, help="sequential sample size")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--workdir", default="bench-results/work")
    parser.add_argument(
        "--replicas", type=int, default=2, help="ingestor processes sharing the consumer group"
    )
    args = parser.parse_args()
    os.environ.update(UNTHROTTLED)  # the baseline's clients, likewise
    results = asyncio.run(run(args))
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "ingestor.json").write_text(json.dumps(results, indent=2))
    width = max(len(k) for k in results)
    print("\nIngestor benchmark (make bench)")
    for key, value in results.items():
        print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    main()
