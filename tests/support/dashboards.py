"""One client's stored history, chosen so the dashboards' figures can be worked out by hand.

The suite's clock stands at 2026-11-20 (``TODAY``); ``j`` below is "days before TODAY".

* **Instagram** (``OWNER``): ``1400 - 10 j`` followers for j = 0 … 40 (Oct 11 … Nov 20), except
  j = 4, 5 (Nov 15, 16): no row, a gap. j = 35 … 40 (Oct 11 … 16) are an admin's import, j = 1
  … 34 the platform's history (backfill), j = 0 the live sync. Engagement rate 2.0 every day.
* **TikTok** (``OWNER``): ``600 - 4 j`` followers for j = 0 … 30 (Oct 21 … Nov 20), all live,
  engagement rate 4.0.
* **Instagram** of ``OTHER``, another client: one live day, 99,999 followers, and a post with
  9,999 likes, which must never show up in ``OWNER``'s views.
* ``OWNER``'s program: Oct 21 (j = 30) … Dec 31, goal 3,000, time zone UTC; M1 due Oct 30 and
  completed Oct 31 (j = 20), M2 due Nov 30, open.
* Posts (each with the metrics of the last day it was seen): ig1 Oct 21 (seen Oct 21 with 10
  likes, then Nov 1 with 50 likes, 400 views, rate 1.5), ig2 Nov 10 (30 likes, 300 views, rate
  3.0), ig3 Nov 20 (80 likes, no views, rate 5.0), all tagged ``#fitness``; tt1 Nov 15 (100
  likes, 1,000 views, rate 4.0).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.app import MIGRATIONS, create_app
from services.analytics.models import (
    Client,
    ConnectionStatus,
    ContentItemDay,
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

OWNER, OTHER = "client-dash", "client-else"
INSTAGRAM = uuid.UUID("da5b0000-0000-4000-8000-000000000001")
TIKTOK = uuid.UUID("da5b0000-0000-4000-8000-000000000002")
OTHERS_INSTAGRAM = uuid.UUID("da5b0000-0000-4000-8000-000000000003")
GAP = (4, 5)
PROGRAM_START = TODAY - timedelta(days=30)


def day(j: int) -> date:
    return TODAY - timedelta(days=j)


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), UTC)


def _tracked(connection_id: uuid.UUID, client_id: str, platform: str) -> TrackedConnection:
    return TrackedConnection(
        connection_id=connection_id,
        client_id=client_id,
        platform=Platform(platform),
        platform_user_id=f"{platform}-{client_id}",
        username=f"{client_id}_{platform}",
        status=ConnectionStatus.ACTIVE,
        connected_at=PINNED - timedelta(days=50),
    )


def _day(
    connection_id: uuid.UUID, client_id: str, platform: str, j: int, followers: int, rate: float
) -> DailySnapshot:
    return DailySnapshot(
        connection_id=connection_id,
        snapshot_date=day(j),
        client_id=client_id,
        platform=Platform(platform),
        username=f"{client_id}_{platform}",
        followers=followers,
        followers_observed=followers,
        follower_source="observed",
        engagement_rate=rate,
        posts=50 - j,
        reach=900 - j,
        views=5000 - j,
        following=300,
        engagement_formula="likes+comments+saves+shares",
        platform_metrics={"saves": 12.0} if j == 0 else {},
        missing_metrics=["media.shares"] if j == 0 else [],
        backfill=platform == "instagram" and 1 <= j <= 34,
        imported=platform == "instagram" and j >= 35,
        fetched_at=_at(day(j), 3),
    )


def _item(
    connection_id: uuid.UUID,
    client_id: str,
    platform: str,
    item_id: str,
    published: datetime,
    seen_on: date,
    **metrics: Any,
) -> ContentItemDay:
    return ContentItemDay(
        connection_id=connection_id,
        item_id=item_id,
        seen_on=seen_on,
        client_id=client_id,
        platform=Platform(platform),
        kind="reel" if platform == "instagram" else "video",
        published_at=published,
        url=f"https://example.test/{item_id}",
        caption=f"{item_id} #fitness morning routine",
        fetched_at=_at(seen_on, 3),
        **metrics,
    )


async def seed(session: AsyncSession) -> None:
    session.add_all(
        [
            _tracked(INSTAGRAM, OWNER, "instagram"),
            _tracked(TIKTOK, OWNER, "tiktok"),
            _tracked(OTHERS_INSTAGRAM, OTHER, "instagram"),
        ]
    )
    session.add_all(
        _day(INSTAGRAM, OWNER, "instagram", j, 1400 - 10 * j, 2.0)
        for j in range(41)
        if j not in GAP
    )
    session.add_all(_day(TIKTOK, OWNER, "tiktok", j, 600 - 4 * j, 4.0) for j in range(31))
    session.add(_day(OTHERS_INSTAGRAM, OTHER, "instagram", 0, 99_999, 9.0))
    session.add(
        Client(
            client_id=OWNER,
            name="Dana Dash",
            email="dana@example.com",
            timezone="UTC",
            program_start=PROGRAM_START,
            program_end=date(2026, 12, 31),
            follower_goal=3000,
            updated_at=PINNED - timedelta(days=40),
        )
    )
    session.add_all(
        [
            Deliverable(
                client_id=OWNER,
                code="M1",
                title="Launch plan",
                due_on=date(2026, 10, 30),
                completed_on=date(2026, 10, 31),
                updated_at=PINNED - timedelta(days=20),
            ),
            Deliverable(
                client_id=OWNER,
                code="M2",
                title="Content sprint",
                due_on=date(2026, 11, 30),
                updated_at=PINNED - timedelta(days=20),
            ),
        ]
    )
    ig, tt = ("instagram", INSTAGRAM), ("tiktok", TIKTOK)
    session.add_all(
        [
            _item(
                INSTAGRAM,
                OWNER,
                ig[0],
                "ig1",
                _at(day(30), 10),
                day(30),
                likes=10,
                views=100,
                engagement_rate=1.0,
            ),
            _item(
                INSTAGRAM,
                OWNER,
                ig[0],
                "ig1",
                _at(day(30), 10),
                day(19),
                likes=50,
                views=400,
                engagement_rate=1.5,
            ),
            _item(
                INSTAGRAM,
                OWNER,
                ig[0],
                "ig2",
                _at(day(10), 9),
                day(10),
                likes=30,
                views=300,
                engagement_rate=3.0,
            ),
            _item(
                INSTAGRAM,
                OWNER,
                ig[0],
                "ig3",
                _at(day(0), 8),
                day(0),
                likes=80,
                engagement_rate=5.0,
            ),
            _item(
                TIKTOK,
                OWNER,
                tt[0],
                "tt1",
                _at(day(5), 18),
                day(5),
                likes=100,
                views=1000,
                engagement_rate=4.0,
            ),
            _item(
                OTHERS_INSTAGRAM,
                OTHER,
                "instagram",
                "other1",
                _at(day(3), 12),
                day(0),
                likes=9999,
                views=99_999,
                engagement_rate=9.0,
            ),
        ]
    )
    await session.commit()


@dataclass
class Api:
    """Analytics in-process over httpx's ASGI transport, without its lifespan (no broker)."""

    app: FastAPI
    http: httpx.AsyncClient

    def headers(self, role: Role = Role.CLIENT, client_id: str | None = OWNER) -> dict[str, str]:
        auth = self.app.state.auth_settings
        if role is Role.ADMIN:
            token = issue_token(auth, role=Role.ADMIN)
        else:
            token = issue_token(auth, role=Role.CLIENT, client_id=client_id)
        return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def seeded_api(url: str, data_dir: Path) -> AsyncIterator[Api]:
    """Analytics on the migrated database at ``url``, holding :func:`seed`'s rows."""
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    app = create_app(
        AnalyticsSettings(
            database_url=SecretStr(url),
            common=CommonSettings(data_dir=data_dir, auth=AuthSettings()),
        )
    )
    try:
        async with app.state.runtime.sessions() as session:
            await seed(session)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Api(app, http)
    finally:
        await app.state.runtime.engine.dispose()
