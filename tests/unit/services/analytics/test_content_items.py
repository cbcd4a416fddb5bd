"""Content items get rows of their own: one per item and day seen, from the day's winning fetch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.app import MIGRATIONS
from services.analytics.history import store_snapshots
from services.analytics.models import ContentItemDay
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import AccountSnapshot, ContentItem
from shared.platforms import Platform

CONNECTION = uuid.uuid4()
DAY = date(2026, 11, 20)
MORNING = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def item(item_id: str, likes: int) -> ContentItem:
    return ContentItem(
        item_id=item_id,
        kind="reel",
        published_at=datetime(2026, 11, 18, 17, 0, tzinfo=UTC),
        caption=f"post {item_id} #coaching",
        likes=likes,
        comments=2,
        engagement_rate=round(100 * (likes + 2) / 1000, 4),
    )


def snapshot(
    fetched_at: datetime, items: list[ContentItem], *, day: date = DAY, backfill: bool = False
) -> AccountSnapshot:
    return AccountSnapshot(
        connection_id=CONNECTION,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        platform_user_id="1784",
        username="steady_creator",
        snapshot_date=day,
        fetched_at=fetched_at,
        backfill=backfill,
        followers=None if backfill else 1000,
        recent_items=items,
    )


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def stored(sessions: async_sessionmaker[AsyncSession]) -> dict[tuple[str, date], int | None]:
    async with sessions() as session:
        rows = await session.exec(
            select(ContentItemDay).where(col(ContentItemDay.connection_id) == CONNECTION)
        )
        return {(r.item_id, r.seen_on): r.likes for r in rows.all()}


@pytest.mark.parametrize("noon_first", [False, True])
async def test_the_later_fetch_of_a_day_owns_its_items_whatever_the_order(
    sessions: async_sessionmaker[AsyncSession], noon_first: bool
) -> None:
    morning = snapshot(MORNING, [item("A", 10), item("B", 20)])
    noon = snapshot(NOON, [item("B", 25), item("C", 5)])  # A dropped out of the newest posts
    for batch in ([noon], [morning]) if noon_first else ([morning], [noon]):
        async with sessions() as session:
            await store_snapshots(session, batch)
    assert await stored(sessions) == {("B", DAY): 25, ("C", DAY): 5}


async def test_each_day_seen_is_a_row_and_history_days_add_none(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    yesterday = date(2026, 11, 19)
    async with sessions() as session:
        await store_snapshots(
            session,
            [
                snapshot(MORNING, [item("A", 10)]),
                snapshot(datetime(2026, 11, 19, 3, tzinfo=UTC), [item("A", 4)], day=yesterday),
                snapshot(NOON, [item("Z", 99)], day=date(2026, 11, 18), backfill=True),
            ],
        )
    async with sessions() as session:  # a redelivery changes nothing
        await store_snapshots(session, [snapshot(MORNING, [item("A", 10)])])
    assert await stored(sessions) == {("A", DAY): 10, ("A", yesterday): 4}
