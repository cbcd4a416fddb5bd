"""Snapshots as the ingestor publishes them, for the tests of analytics' intake.

Days and times are the suite's pinned calendar (``TODAY``: 2026-11-20), never the real date.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from shared.events import AccountSnapshot, ContentItem
from shared.platforms import Platform
from tests.support.clock import TODAY

YESTERDAY = TODAY - timedelta(days=1)


def at(day: date, hour: int) -> datetime:
    """``hour`` o'clock UTC on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def item(item_id: str, likes: int, *, day: date = TODAY) -> ContentItem:
    return ContentItem(
        item_id=item_id,
        kind="reel",
        published_at=at(day, 1) - timedelta(days=2, minutes=30),
        caption=f"post {item_id} #coaching",
        likes=likes,
        comments=2,
        engagement_rate=round(100 * (likes + 2) / 1000, 4),
    )


def snapshot(
    connection: uuid.UUID,
    day: date,
    *,
    followers: int | None,
    hour: int = 3,
    items: list[ContentItem] | None = None,
    backfill: bool = False,
    gained: int | None = None,
) -> AccountSnapshot:
    """A live sync of ``connection`` on ``day`` (fetched at ``hour`` UTC), or its backfill."""
    return AccountSnapshot(
        connection_id=connection,
        client_id=f"client-{str(connection)[:4]}",
        platform=Platform.INSTAGRAM,
        platform_user_id=f"ig-{str(connection)[:4]}",
        username=f"creator_{str(connection)[:4]}",
        snapshot_date=day,
        fetched_at=at(day, hour),
        backfill=backfill,
        followers=followers,
        followers_gained=gained,
        engagement_rate=1.5 if not backfill else None,
        recent_items=items or [],
    )
