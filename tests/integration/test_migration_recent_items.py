"""Migration 0006 copies the items only the day rows' JSON held into ``content_items``, then
drops the JSON — on SQLite and PostgreSQL.

Before 0003 a live day's items were stored only as JSON on the day. The day's JSON is its
winning live snapshot's items, so those become the day's content rows: the ones missing are
inserted (the last of an id wins, as intake does), the ones present are left as they are, and
the platform's history and imported days (no items of their own) give none.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from services.analytics.app import MIGRATIONS
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.db.types import as_utc

pytestmark = pytest.mark.integration

#: The tables as 0005 left them (the columns written here).
days = sa.table(
    "daily_snapshots",
    *(sa.column(name, sa.String()) for name in ("client_id", "platform", "username")),
    sa.column("connection_id", sa.Uuid()),
    sa.column("snapshot_date", sa.Date()),
    sa.column("platform_metrics", sa.JSON()),
    sa.column("missing_metrics", sa.JSON()),
    sa.column("recent_items", sa.JSON()),
    sa.column("backfill", sa.Boolean()),
    sa.column("imported", sa.Boolean()),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
)
content = sa.table(
    "content_items",
    *(sa.column(name, sa.String()) for name in ("item_id", "client_id", "platform", "kind")),
    sa.column("connection_id", sa.Uuid()),
    sa.column("seen_on", sa.Date()),
    sa.column("likes", sa.BigInteger()),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
)

A = uuid.uuid5(uuid.NAMESPACE_URL, "migration/a")
B = uuid.uuid5(uuid.NAMESPACE_URL, "migration/b")
DAY, NEXT = date(2026, 3, 1), date(2026, 3, 2)
FETCHED = datetime(2026, 3, 1, 3, tzinfo=UTC)


def day(
    connection_id: uuid.UUID, on: date, items: list[dict[str, Any]], **flags: bool
) -> dict[str, Any]:
    return {
        "connection_id": connection_id,
        "snapshot_date": on,
        "client_id": "c-1",
        "platform": "instagram",
        "username": "dana",
        "platform_metrics": {},
        "missing_metrics": [],
        "recent_items": items,
        "backfill": flags.get("backfill", False),
        "imported": flags.get("imported", False),
        "fetched_at": FETCHED,
    }


def item(item_id: str, likes: int) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "kind": "reel",
        "published_at": "2026-02-27T10:30:00Z",
        "url": None,
        "caption": f"post {item_id}",
        "views": None,
        "reach": None,
        "likes": likes,
        "comments": 2,
        "shares": None,
        "saves": None,
        "engagement_rate": 1.5,
    }


async def test_the_days_json_items_are_copied_then_the_column_is_dropped(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url, "0005")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(days),
                [
                    # Two items, one id twice (the last wins).
                    day(A, DAY, [item("a1", 10), item("a2", 20), item("a1", 11)]),
                    # a3 already has its row (written by intake): left as it is; a4 copied.
                    day(A, NEXT, [item("a3", 30), item("a4", 40)]),
                    day(B, DAY, [item("b1", 50)], backfill=True),  # the platform's history
                    day(B, NEXT, [], imported=True),
                ],
            )
            await connection.execute(
                sa.insert(content),
                {
                    "connection_id": A,
                    "item_id": "a3",
                    "seen_on": NEXT,
                    "client_id": "c-1",
                    "platform": "instagram",
                    "kind": "reel",
                    "likes": 33,
                    "fetched_at": FETCHED,
                },
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.text(
                        "SELECT connection_id, item_id, seen_on, likes, comments, caption,"
                        " published_at, fetched_at FROM content_items"
                        " ORDER BY item_id"
                    )
                )
            ).all()
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in sa.inspect(c).get_columns("daily_snapshots")}
            )
            indexes = await connection.run_sync(
                lambda c: {i["name"] for i in sa.inspect(c).get_indexes("content_items")}
            )
    finally:
        await engine.dispose()

    def key(value: Any) -> str:
        return str(value).replace("-", "")  # SQLite's text UUIDs have no dashes

    assert [(key(r[0]), r[1], str(r[2]), r[3], r[4], r[5]) for r in rows] == [
        (key(A), "a1", "2026-03-01", 11, 2, "post a1"),
        (key(A), "a2", "2026-03-01", 20, 2, "post a2"),
        (key(A), "a3", "2026-03-02", 33, None, None),
        (key(A), "a4", "2026-03-02", 40, 2, "post a4"),
    ]
    published = [r[6] for r in rows if r[1] != "a3"]
    assert {str(as_utc(_timestamp(p))) for p in published} == {"2026-02-27 10:30:00+00:00"}
    assert {str(as_utc(_timestamp(r[7]))) for r in rows} == {"2026-03-01 03:00:00+00:00"}
    assert "recent_items" not in columns
    assert "ix_content_items_client_id" not in indexes


def _timestamp(value: Any) -> datetime:
    """A timestamp as the raw query gives it (SQLite: text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
