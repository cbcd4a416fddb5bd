"""What the dashboards read: a client's stored rows as the computations' plain data.

Few, narrow queries: each selects only the columns its view needs, for all of the client's
accounts at once (one query per table and purpose, never one per day or per account).
SQLite hands timestamps back naive; every one was written in UTC, so they are made aware here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history
from services.analytics.domain.content import ContentItem, latest_versions
from services.analytics.domain.dashboard import DayFigures
from services.analytics.history import DaySource
from services.analytics.models import (
    ConnectionStatus,
    ContentItemDay,
    DailySnapshot,
    TrackedConnection,
)
from shared.db.types import as_utc

DISCONNECTED = ConnectionStatus.DISCONNECTED
"""Kept for callers that import it; the status is the model's enum."""


def _aware(value: datetime) -> datetime:
    stamp = as_utc(value)
    assert stamp is not None
    return stamp


# --- accounts -------------------------------------------------------------------------------


async def accounts(session: AsyncSession, client_id: str) -> list[TrackedConnection]:
    """Every connection analytics tracks for the client, disconnected ones too, by platform."""
    return await history.tracked_for_client(session, client_id)


def connected(tracked: Iterable[TrackedConnection]) -> list[TrackedConnection]:
    """The accounts the dashboards show: all but the disconnected."""
    return [t for t in tracked if t.status is not ConnectionStatus.DISCONNECTED]


def of_platform(tracked: Iterable[TrackedConnection], platform: str) -> TrackedConnection | None:
    """The client's account on ``platform``: the connected one (the connector keeps at most one
    per platform), else the latest disconnected one, whose history is kept; None if never."""
    found = [t for t in tracked if t.platform == platform]
    found.sort(
        key=lambda t: (t.status is not ConnectionStatus.DISCONNECTED, as_utc(t.connected_at))
    )
    return found[-1] if found else None


# --- daily rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Latest:
    """An account's "now": its newest live day; before any, the newest day of the platform's
    history; before any of those, the newest imported day (``history.latest_row``'s rule)."""

    day: date
    source: DaySource
    username: str
    followers: int | None
    follower_source: str | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    following: int | None
    posts: int | None
    engagement_rate: float | None
    engagement_formula: str | None
    reach: int | None
    views: int | None
    platform_metrics: dict[str, float]
    missing_metrics: list[str]
    fetched_at: datetime

    @property
    def last_synced_at(self) -> datetime | None:
        """When the live sync fetched the account's newest live day (None before one)."""
        return self.fetched_at if self.source is DaySource.LIVE else None


_LATEST_COLUMNS = (
    "username",
    "followers",
    "follower_source",
    "followers_change_1d",
    "followers_change_7d",
    "followers_change_30d",
    "growth_pct_7d",
    "growth_pct_30d",
    "following",
    "posts",
    "engagement_rate",
    "engagement_formula",
    "reach",
    "views",
    "platform_metrics",
    "missing_metrics",
)


async def latest(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Latest]:
    """Each account's latest day, in one query (a row number per connection)."""
    if not ids:
        return {}
    table = DailySnapshot.__table__.c  # type: ignore[attr-defined]
    rank = (
        func.row_number()
        .over(
            partition_by=table.connection_id,
            order_by=(table.imported, table.backfill, table.snapshot_date.desc()),
        )
        .label("rank")
    )
    columns = [table[name] for name in _LATEST_COLUMNS]
    ranked = (
        select(
            table.connection_id,
            table.snapshot_date,
            table.imported,
            table.backfill,
            table.fetched_at,
            *columns,
            rank,
        )
        .where(table.connection_id.in_(ids))
        .subquery()
    )
    result = await (await session.connection()).execute(select(ranked).where(ranked.c.rank == 1))
    out: dict[uuid.UUID, Latest] = {}
    for row in result.mappings():
        values: dict[str, Any] = {name: row[name] for name in _LATEST_COLUMNS}
        values["platform_metrics"] = dict(values["platform_metrics"] or {})
        values["missing_metrics"] = list(values["missing_metrics"] or [])
        out[row["connection_id"]] = Latest(
            day=row["snapshot_date"],
            source=history.source_of(imported=row["imported"], backfill=row["backfill"]),
            fetched_at=_aware(row["fetched_at"]),
            **values,
        )
    return out


async def figures(
    session: AsyncSession, ids: Sequence[uuid.UUID], start: date | None, end: date
) -> dict[uuid.UUID, dict[date, DayFigures]]:
    """The chart figures of each account's stored days in ``[start, end]`` (``start`` None:
    from its first day), in one query of the columns a chart reads. Every id has an entry."""
    out: dict[uuid.UUID, dict[date, DayFigures]] = {i: {} for i in ids}
    if not ids:
        return out
    s = DailySnapshot
    query = select(
        col(s.connection_id),
        col(s.snapshot_date),
        col(s.imported),
        col(s.backfill),
        col(s.followers),
        col(s.engagement_rate),
        col(s.reach),
        col(s.views),
        col(s.posts),
    ).where(col(s.connection_id).in_(ids), col(s.snapshot_date) <= end)
    if start is not None:
        query = query.where(col(s.snapshot_date) >= start)
    result = await (await session.connection()).execute(query)
    for connection_id, day, imported, backfill, followers, rate, reach, views, posts in result:
        out[connection_id][day] = DayFigures(
            source=history.source_of(imported=imported, backfill=backfill).value,
            followers=followers,
            engagement_rate=rate,
            reach=reach,
            views=views,
            posts=posts,
        )
    return out


_HISTORY_COLUMNS = (
    "snapshot_date",
    "followers",
    "follower_source",
    "followers_gained",
    "followers_lost",
    "followers_change_1d",
    "followers_change_7d",
    "followers_change_30d",
    "growth_pct_7d",
    "growth_pct_30d",
    "following",
    "posts",
    "engagement_rate",
    "reach",
    "views",
    "backfill",
    "imported",
)


async def history_days(
    session: AsyncSession, connection_id: uuid.UUID, start: date, end: date
) -> list[dict[str, Any]]:
    """One account's days in ``[start, end]`` with every stored figure (not the JSON ones),
    oldest first; each with its ``source``."""
    table = DailySnapshot.__table__.c  # type: ignore[attr-defined]
    result = await (await session.connection()).execute(
        select(*(table[name] for name in _HISTORY_COLUMNS))
        .where(
            table.connection_id == connection_id,
            table.snapshot_date >= start,
            table.snapshot_date <= end,
        )
        .order_by(table.snapshot_date)
    )
    return [
        {**row, "source": history.source_of(imported=row["imported"], backfill=row["backfill"])}
        for row in result.mappings()
    ]


def first_day(days: Iterable[dict[date, DayFigures]]) -> date | None:
    """The first stored day of any of the accounts."""
    return min((min(d) for d in days if d), default=None)


# --- content --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """The posts of some accounts as the computations take them, each in its latest version."""

    items: tuple[ContentItem, ...]
    urls: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """``(platform, item_id)`` → the item's link, as last seen."""

    def of(self, platform: str) -> tuple[ContentItem, ...]:
        return tuple(i for i in self.items if i.platform == platform)


#: A local day is within a day of its UTC day (offsets run from -12:00 to +14:00).
_ZONE_SLACK = timedelta(days=1)


async def content(
    session: AsyncSession, ids: Sequence[uuid.UUID], start: date, end: date
) -> Content:
    """The accounts' posts published around ``[start, end]`` (a day's slack either side for
    the client's time zone; ``content.published_between`` picks the exact local days), in one
    query, each once with the metrics of the last day it was seen (``content.latest_versions``)."""
    if not ids:
        return Content(())
    c = ContentItemDay
    low = datetime.combine(start - _ZONE_SLACK, time(), UTC)
    high = datetime.combine(end + _ZONE_SLACK * 2, time(), UTC)
    result = await (await session.connection()).execute(
        select(
            col(c.seen_on),
            col(c.item_id),
            col(c.platform),
            col(c.kind),
            col(c.published_at),
            col(c.url),
            col(c.caption),
            col(c.views),
            col(c.reach),
            col(c.likes),
            col(c.comments),
            col(c.shares),
            col(c.saves),
            col(c.engagement_rate),
        )
        .where(
            col(c.connection_id).in_(ids),
            col(c.published_at) >= low,
            col(c.published_at) < high,
        )
        .order_by(col(c.seen_on))
    )
    seen: list[tuple[date, ContentItem]] = []
    urls: dict[tuple[str, str], str | None] = {}
    for row in result.mappings():
        seen.append(
            (
                row["seen_on"],
                ContentItem(
                    item_id=row["item_id"],
                    platform=row["platform"],
                    kind=row["kind"],
                    published_at=_aware(row["published_at"]),
                    caption=row["caption"],
                    views=row["views"],
                    reach=row["reach"],
                    likes=row["likes"],
                    comments=row["comments"],
                    shares=row["shares"],
                    saves=row["saves"],
                    engagement_rate=row["engagement_rate"],
                ),
            )
        )
        urls[(row["platform"], row["item_id"])] = row["url"]  # oldest first: the last seen wins
    return Content(latest_versions(seen), urls)
