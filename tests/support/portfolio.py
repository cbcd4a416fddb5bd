"""A small portfolio whose every figure is worked out by hand (tests of the portfolio routes).

Days are counted from ``FIRST = TODAY - 120``: day ``i`` is ``FIRST + i``, so today is ``i = 120``,
30 days ago ``i = 90``, 90 days ago ``i = 30``, 7 days ago ``i = 113``. Every account has a row for
every day from ``i = 0`` to its last day, with the count at the start of the day:

* client-a — Instagram ``10 * (1000 + i)``, TikTok ``5 * (1000 + i)``; engagement 3.0 % a day on
  Instagram but 1.0 % today, 2.0 % on TikTok; M1 completed on ``i = 60``, M2 on ``i = 100``.
* client-b — TikTok ``20 * (1000 - i)`` (losing followers), engagement 0.4 % (under the 0.5 %
  floor); M1 completed on ``i = 60``.
* client-c — YouTube ``(15 * (1000 + i)) // 2`` (half client-a's total, rounded down), status
  ``reauth_required``, engagement 5.0 %; M1 completed on ``i = 50``.
* client-e — TikTok ``1000 + i``, last day ``i = 115`` (5 days ago: stale, and no count today);
  M1 completed on ``i = 110`` (its after-window is not over).
* client-d — TikTok, a flat 50,000, disconnected: not in the portfolio at all.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.app import MIGRATIONS, create_app
from services.analytics.domain.correlation import ClientHistory
from services.analytics.domain.program import Deliverable as PlainDeliverable
from services.analytics.domain.totals import daily_totals, total_counts
from services.analytics.models import (
    Client,
    ConnectionStatus,
    DailySnapshot,
    Deliverable,
    TrackedConnection,
)
from services.analytics.settings import AnalyticsSettings
from shared.auth import Role, issue_token
from shared.db.migrations import upgrade
from shared.platforms import Platform
from shared.settings import AuthSettings, CommonSettings
from tests.support.clock import PINNED, TODAY

FIRST = TODAY - timedelta(days=120)


def day(i: int) -> date:
    return FIRST + timedelta(days=i)


@dataclass(frozen=True)
class SeedAccount:
    connection_id: uuid.UUID
    client_id: str
    platform: str
    status: str
    count: Callable[[int], int]
    rate: Callable[[int], float]
    last: int = 120
    """The account's last day (``i``)."""


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"0f0f0000-0000-4000-8000-{n:012d}")


A_INSTAGRAM, A_TIKTOK, B_TIKTOK, C_YOUTUBE, E_TIKTOK, D_TIKTOK = (_id(n) for n in range(1, 7))

ACCOUNTS = (
    SeedAccount(
        A_INSTAGRAM,
        "client-a",
        "instagram",
        "active",
        lambda i: 10 * (1000 + i),
        lambda i: 1.0 if i == 120 else 3.0,
    ),
    SeedAccount(A_TIKTOK, "client-a", "tiktok", "active", lambda i: 5 * (1000 + i), lambda i: 2.0),
    SeedAccount(B_TIKTOK, "client-b", "tiktok", "active", lambda i: 20 * (1000 - i), lambda i: 0.4),
    SeedAccount(
        C_YOUTUBE,
        "client-c",
        "youtube",
        "reauth_required",
        lambda i: (15 * (1000 + i)) // 2,
        lambda i: 5.0,
    ),
    SeedAccount(E_TIKTOK, "client-e", "tiktok", "active", lambda i: 1000 + i, lambda i: 2.0, 115),
    SeedAccount(D_TIKTOK, "client-d", "tiktok", "disconnected", lambda i: 50_000, lambda i: 2.0),
)

COMPLETIONS = {
    "client-a": {"M1": 60, "M2": 100},
    "client-b": {"M1": 60},
    "client-c": {"M1": 50},
    "client-e": {"M1": 110},
    "client-d": {"M1": 60},
}
NAMES = {"client-a": "Ada", "client-b": "Bo", "client-c": "Cy", "client-e": "Eve", "client-d": "Di"}


def account_counts(account: SeedAccount) -> dict[date, int | None]:
    """The account's whole stored series (what the domain functions take)."""
    return {day(i): account.count(i) for i in range(account.last + 1)}


async def seed(session: AsyncSession) -> None:
    """Store the portfolio of the module's docstring (direct rows: no event, no recomputation)."""
    fetched = PINNED - timedelta(hours=1)
    for account in ACCOUNTS:
        session.add(
            TrackedConnection(
                connection_id=account.connection_id,
                client_id=account.client_id,
                platform=Platform(account.platform),
                platform_user_id=f"{account.platform}-{account.client_id}",
                username=f"@{account.client_id}",
                status=ConnectionStatus(account.status),
                connected_at=datetime.combine(FIRST, datetime.min.time(), UTC),
                revision=1,
            )
        )
        for i in range(account.last + 1):
            session.add(
                DailySnapshot(
                    connection_id=account.connection_id,
                    snapshot_date=day(i),
                    client_id=account.client_id,
                    platform=Platform(account.platform),
                    username=f"@{account.client_id}",
                    followers_observed=account.count(i),
                    followers=account.count(i),
                    follower_source="observed",
                    engagement_rate=account.rate(i),
                    fetched_at=fetched,
                )
            )
    for client_id, name in NAMES.items():
        session.add(
            Client(
                client_id=client_id,
                name=name,
                email=f"{client_id}@example.com",
                timezone="UTC",
                program_start=FIRST,
                program_end=TODAY + timedelta(days=60),
                updated_at=fetched,
            )
        )
        for code, i in COMPLETIONS[client_id].items():
            session.add(
                Deliverable(
                    client_id=client_id,
                    code=code,
                    title=f"{code} of {name}",
                    due_on=day(i),
                    completed_on=day(i),
                    updated_at=fetched,
                )
            )
    await session.commit()


def full_histories(platform: str | None = None) -> list[ClientHistory]:
    """Every client's whole daily totals, built the dashboards' way (``totals.daily_totals``)."""
    histories = []
    for client_id in ("client-a", "client-b", "client-c", "client-e"):
        accounts = {
            str(a.connection_id): account_counts(a)
            for a in ACCOUNTS
            if a.client_id == client_id and platform in (None, a.platform)
        }
        if not accounts:
            continue
        totals = total_counts(daily_totals(accounts, FIRST, TODAY))
        deliverables = tuple(
            PlainDeliverable(code, "", day(i), day(i)) for code, i in COMPLETIONS[client_id].items()
        )
        histories.append(ClientHistory(client_id, totals, deliverables))
    return histories


async def start_api(url: str, tmp_path: Path) -> tuple[FastAPI, httpx.AsyncClient, dict[str, str]]:
    """The analytics app on a migrated, seeded database at ``url`` (also used on PostgreSQL)."""
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    app = create_app(
        AnalyticsSettings(
            database_url=SecretStr(url),
            common=CommonSettings(data_dir=tmp_path, auth=AuthSettings()),
        )
    )
    async with app.state.runtime.sessions() as session:
        await seed(session)
    token = issue_token(app.state.auth_settings, role=Role.ADMIN)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    return app, http, {"Authorization": f"Bearer {token}"}
