"""``make bench``: analytics' read APIs over a year of a whole portfolio, SQLite | PostgreSQL.

For each database: a fresh, migrated analytics database is seeded directly (``--clients``
clients x 3 platforms x 365 days, programs with completed deliverables: executemany on SQLite,
COPY on PostgreSQL — a benchmark's shortcut, not the intake path), the analytics app is served
by uvicorn on a free port (without its lifespan: no broker is needed to read), and these are
timed over real HTTP, one request at a time:

* growth — ``GET /api/portal/social/{platform}/growth?range=custom`` over 365 daily points,
  a random client's token and platform per request;
* portfolio — ``GET /api/admin/social/portfolio``: the first call (nothing cached), then warm
  calls (the data unchanged); after one client changed (one of its accounts' revision bumped
  before each call, as a stored snapshot would: only that client's series is read again);
  after the whole portfolio changed (every revision bumped, like the daily sync wave); and the
  same, but with the background refresher (``portfolio.refresh``, called in-process, timed on
  its own) run before the request, as it would between the wave and most requests;
* leaderboard — ``GET /api/admin/social/leaderboard``, 30 days, pages of 20.

Printed side by side with the targets (growth p99 < 20 ms, portfolio < 250 ms); results go to
``bench-results/analytics_api.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn
from pydantic import SecretStr

from bench.databases import fresh_database
from services.analytics.app import MIGRATIONS, create_app
from services.analytics.portfolio import refresh
from services.analytics.settings import AnalyticsSettings
from services.local.broker import free_port
from shared import clock
from shared.auth import Role, issue_token
from shared.db.migrations import upgrade
from shared.service import settle_startup_objects
from shared.settings import AuthSettings, CommonSettings

PLATFORMS = ("instagram", "tiktok", "youtube")
DAYS = 365
GROWTH_P99_TARGET_MS = 20.0
PORTFOLIO_TARGET_MS = 250.0
RESULTS = Path("bench-results/analytics_api.json")

CONNECTION_COLUMNS = (
    "connection_id",
    "client_id",
    "platform",
    "platform_user_id",
    "username",
    "status",
    "connected_at",
    "revision",
)
DAY_COLUMNS = (
    "connection_id",
    "snapshot_date",
    "client_id",
    "platform",
    "username",
    "followers_observed",
    "followers",
    "follower_source",
    "engagement_rate",
    "posts",
    "platform_metrics",
    "missing_metrics",
    "backfill",
    "imported",
    "fetched_at",
)
CLIENT_COLUMNS = (
    "client_id",
    "name",
    "email",
    "timezone",
    "program_start",
    "program_end",
    "follower_goal",
    "updated_at",
)
DELIVERABLE_COLUMNS = (
    "client_id",
    "code",
    "title",
    "due_on",
    "completed_on",
    "removed",
    "updated_at",
)


@dataclass
class Portfolio:
    """The seeded rows, as Python values (each database writes them its own way)."""

    connections: list[tuple[Any, ...]] = field(default_factory=list)
    days: list[tuple[Any, ...]] = field(default_factory=list)
    clients: list[tuple[Any, ...]] = field(default_factory=list)
    deliverables: list[tuple[Any, ...]] = field(default_factory=list)


def client_id(n: int) -> str:
    return f"bench-client-{n:05d}"


def build(clients: int, today: date, seed: int = 12) -> Portfolio:
    """``clients`` x 3 accounts x 365 days of counts (compound growth with noise) and rates.

    Every 40th account needs reauthorising; each program has M1-M4, the first three completed.
    """
    rng = random.Random(seed)
    now = clock.now()
    first = today - timedelta(days=DAYS - 1)
    out = Portfolio()
    for n in range(clients):
        cid = client_id(n)
        for p, platform in enumerate(PLATFORMS):
            connection_id = uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{cid}/{platform}")
            status = "reauth_required" if (3 * n + p) % 40 == 0 else "active"
            user = f"@{cid}-{platform}"
            out.connections.append(
                (connection_id, cid, platform, user, user, status, now - timedelta(days=DAYS), 1)
            )
            count = float(rng.randint(500, 200_000))
            daily = rng.uniform(-0.002, 0.004)
            rate = rng.uniform(0.8, 6.0)
            for i in range(DAYS):
                followers = max(0, round(count))
                engagement = round(max(0.05, rate + rng.gauss(0, 0.4)), 3)
                out.days.append(
                    (
                        connection_id,
                        first + timedelta(days=i),
                        cid,
                        platform,
                        user,
                        followers,
                        followers,
                        "observed",
                        engagement,
                        100 + i // 3,
                        "{}",
                        "[]",
                        False,
                        False,
                        now,
                    )
                )
                count *= 1 + daily + rng.gauss(0, 0.0015)
        out.clients.append(
            (
                cid,
                f"Client {n}",
                f"{cid}@example.com",
                "UTC",
                first,
                today + timedelta(days=90),
                None,
                now,
            )
        )
        for k, (due, done) in enumerate(((60, 62), (150, 149), (240, 245), (330, None)), 1):
            jitter = rng.randint(-10, 10)
            completed = None if done is None else first + timedelta(days=done + jitter)
            out.deliverables.append(
                (cid, f"M{k}", f"Milestone {k}", first + timedelta(days=due), completed, False, now)
            )
    return out


# --- seeding -----------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy stores in SQLite: hex UUIDs, ISO dates, naive UTC timestamps, 0/1."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    return (tuple(_sqlite_value(v) for v in row) for row in rows)


def seed_sqlite(path: Path, data: Portfolio) -> None:
    db = sqlite3.connect(path)
    try:
        for table, columns, rows in _tables(data):
            marks = ", ".join("?" * len(columns))
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", _sqlite_rows(rows)
            )
        db.commit()
    finally:
        db.close()


async def seed_postgresql(dsn: str, data: Portfolio) -> None:
    db = await asyncpg.connect(dsn)
    try:
        for table, columns, rows in _tables(data):
            await db.copy_records_to_table(table, records=rows, columns=list(columns))
        await db.execute("ANALYZE")  # what autovacuum would do after a bulk load
    finally:
        await db.close()


def _tables(data: Portfolio) -> list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    return [
        ("tracked_connections", CONNECTION_COLUMNS, data.connections),
        ("daily_snapshots", DAY_COLUMNS, data.days),
        ("clients", CLIENT_COLUMNS, data.clients),
        ("deliverables", DELIVERABLE_COLUMNS, data.deliverables),
    ]


# --- measuring ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p99_ms": percentile(values, 99),
        "p100_ms": max(values),
        "mean_ms": statistics.fmean(values),
    }


async def timed(http: httpx.AsyncClient, path: str, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = await http.get(path, **kwargs)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return elapsed, answer.json()


async def bump_revision(url: str, connection_id: uuid.UUID | None, kind: str) -> None:
    """What a stored snapshot does to the portfolio's version: of one account, or of every
    account when ``connection_id`` is None (a sync wave)."""
    bump = "UPDATE tracked_connections SET revision = revision + 1"
    if kind == "sqlite":
        db = sqlite3.connect(url)
        if connection_id is None:
            db.execute(bump)
        else:
            db.execute(f"{bump} WHERE connection_id = ?", (connection_id.hex,))
        db.commit()
        db.close()
        return
    pg = await asyncpg.connect(url)
    if connection_id is None:
        await pg.execute(bump)
    else:
        await pg.execute(f"{bump} WHERE connection_id = $1", connection_id)
    await pg.close()


async def measure(
    kind: str, clients: int, requests: int, directory: Path, changes: int = 10, waves: int = 3
) -> dict[str, Any]:
    today = clock.today()
    data = build(clients, today)
    async with fresh_database(kind, directory) as (url, native):
        await asyncio.to_thread(upgrade, MIGRATIONS, url)
        start = time.perf_counter()
        if kind == "sqlite":
            await asyncio.to_thread(seed_sqlite, Path(native), data)
        else:
            await seed_postgresql(native, data)
        seeding = time.perf_counter() - start
        rows = len(data.days)
        data.days.clear()  # the database's now: a server does not hold them in memory
        app = create_app(
            AnalyticsSettings(
                database_url=SecretStr(url),
                common=CommonSettings(data_dir=directory, auth=AuthSettings()),
            )
        )
        settle_startup_objects()  # what the service's lifespan does (it is off here: no broker)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
            )
        )
        serving = asyncio.create_task(server.serve())
        for _ in range(1000):
            if server.started or serving.done():
                break
            await asyncio.sleep(0.02)
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        auth = app.state.auth_settings
        admin = {"Authorization": f"Bearer {issue_token(auth, role=Role.ADMIN)}"}
        rng = random.Random(7)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                growth: list[float] = []
                params = {
                    "range": "custom",
                    "from": (today - timedelta(days=DAYS - 1)).isoformat(),
                    "to": today.isoformat(),
                }
                for _ in range(requests):
                    cid = client_id(rng.randrange(clients))
                    token = issue_token(auth, role=Role.CLIENT, client_id=cid)
                    ms, body = await timed(
                        http,
                        f"/api/portal/social/{rng.choice(PLATFORMS)}/growth",
                        params=params,
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    growth.append(ms)
                points = len(body.get("points", body.get("series", [])))
                cold, portfolio = await timed(http, "/api/admin/social/portfolio", headers=admin)
                warm = [
                    (await timed(http, "/api/admin/social/portfolio", headers=admin))[0]
                    for _ in range(requests)
                ]
                one_client: list[float] = []
                for n in range(changes):
                    # the first account of client 7n, 7(n+1), … (wrapping): one client each time
                    account = data.connections[(3 * 7 * n) % len(data.connections)]
                    await bump_revision(native, account[0], kind)
                    one_client.append(
                        (await timed(http, "/api/admin/social/portfolio", headers=admin))[0]
                    )
                whole: list[float] = []
                for _ in range(waves):
                    await bump_revision(native, None, kind)
                    whole.append(
                        (await timed(http, "/api/admin/social/portfolio", headers=admin))[0]
                    )
                refreshes: list[float] = []
                refreshed: list[float] = []
                for _ in range(waves):
                    await bump_revision(native, None, kind)
                    start = time.perf_counter()
                    await refresh(app.state.runtime.sessions, app.state.portfolio_cache)
                    refreshes.append((time.perf_counter() - start) * 1000)
                    refreshed.append(
                        (await timed(http, "/api/admin/social/portfolio", headers=admin))[0]
                    )
                board_cold, _ = await timed(http, "/api/admin/social/leaderboard", headers=admin)
                board = [
                    (
                        await timed(
                            http,
                            "/api/admin/social/leaderboard",
                            params={"window": "30d", "offset": 20 * rng.randrange(clients // 20)},
                            headers=admin,
                        )
                    )[0]
                    for _ in range(requests)
                ]
        finally:
            server.should_exit = True
            await serving
            await app.state.runtime.engine.dispose()
    return {
        "kind": kind,
        "clients": clients,
        "accounts": len(data.connections),
        "rows": rows,
        "seeding_s": seeding,
        "growth": summary(growth) | {"points": points},
        "portfolio_cold_ms": cold,
        "portfolio_warm": summary(warm),
        "portfolio_one_client_changed": summary(one_client),
        "portfolio_all_changed": summary(whole),
        "portfolio_refresh": summary(refreshes),
        "portfolio_all_changed_refreshed": summary(refreshed),
        "leaderboard_cold_ms": board_cold,
        "leaderboard": summary(board),
        "portfolio_total_followers": portfolio["followers"]["total"],
        "correlation_codes": [r["code"] for r in portfolio["milestone_correlation"]["rows"]],
        "load_average": os.getloadavg(),
    }


def _table(results: list[dict[str, Any]]) -> str:
    def ms(v: float) -> str:
        return f"{v:,.1f} ms"

    def pair(s: dict[str, float]) -> str:
        return f"{s['p50_ms']:,.0f} / {s['p100_ms']:,.0f} ms"

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("rows seeded", lambda r: f"{r['rows']:,} ({r['accounts']:,} accounts)"),
        ("seeding", lambda r: f"{r['seeding_s']:.1f} s"),
        ("growth, 365 points p50", lambda r: ms(r["growth"]["p50_ms"])),
        (f"growth p99 (< {GROWTH_P99_TARGET_MS:.0f} ms)", lambda r: ms(r["growth"]["p99_ms"])),
        ("portfolio first call", lambda r: ms(r["portfolio_cold_ms"])),
        (
            f"portfolio warm p50 (< {PORTFOLIO_TARGET_MS:.0f} ms)",
            lambda r: ms(r["portfolio_warm"]["p50_ms"]),
        ),
        ("portfolio warm p99", lambda r: ms(r["portfolio_warm"]["p99_ms"])),
        (
            "portfolio, one client changed p50 / max",
            lambda r: pair(r["portfolio_one_client_changed"]),
        ),
        ("portfolio, all changed p50 / max", lambda r: pair(r["portfolio_all_changed"])),
        ("refresher run, all changed p50 / max", lambda r: pair(r["portfolio_refresh"])),
        (
            "portfolio, all changed + refresh p50 / max",
            lambda r: pair(r["portfolio_all_changed_refreshed"]),
        ),
        ("leaderboard first call", lambda r: ms(r["leaderboard_cold_ms"])),
        ("leaderboard warm p50", lambda r: ms(r["leaderboard"]["p50_ms"])),
        ("leaderboard warm p99", lambda r: ms(r["leaderboard"]["p99_ms"])),
    ]
    width = max(len(label) for label, _ in rows)
    head = f"{'':{width}} | " + " | ".join(f"{r['kind']:>22}" for r in results)
    lines = [head, "-" * len(head)]
    for label, show in rows:
        lines.append(f"{label:{width}} | " + " | ".join(f"{show(r):>22}" for r in results))
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200, help="timed calls per endpoint")
    parser.add_argument("--kinds", default="sqlite,postgresql")
    parser.add_argument("--changes", type=int, default=10, help="one-client changes timed")
    parser.add_argument("--waves", type=int, default=3, help="whole-portfolio changes timed")
    args = parser.parse_args()
    results = []
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory(prefix=f"lsa-bench-{kind}-") as tmp:
            results.append(
                await measure(
                    kind, args.clients, args.requests, Path(tmp), args.changes, args.waves
                )
            )
    print(f"analytics read APIs: {args.clients:,} clients x 3 platforms x {DAYS} days")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(_table(results))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
