"""Storing snapshots and reading the history back (the analytics service's use cases)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain.growth import DailyPoint, GrowthSummary, summarize
from services.analytics.models import DailySnapshot, TrackedConnection
from shared.db import upsert
from shared.db.types import as_utc
from shared.events import AccountSnapshot, ConnectionEvent, MetricsUpdated
from shared.events.connections import (
    ConnectionEstablished,
    ConnectionRemoved,
    ReauthorizationRequired,
)

#: Long enough for the widest growth window the API offers.
SUMMARY_WINDOW_DAYS = 31


def supersedes(incoming: AccountSnapshot, existing: DailySnapshot | None) -> bool:
    """Does ``incoming`` replace what is stored for its day?

    A live fetch beats a backfilled estimate of the same day; between two of a kind, the later
    fetch wins. An identical redelivery "wins" too, so its derived event is published again.
    """
    if existing is None:
        return True
    if existing.backfill != incoming.backfill:
        return not incoming.backfill
    stored_at = as_utc(existing.fetched_at)
    return stored_at is None or incoming.fetched_at >= stored_at


async def apply_connection_event(session: AsyncSession, event: ConnectionEvent) -> None:
    if isinstance(event, ConnectionEstablished):
        await upsert(
            session,
            TrackedConnection,
            {
                "connection_id": event.connection_id,
                "client_id": event.client_id,
                "platform": event.platform.value,
                "platform_user_id": event.platform_user_id,
                "username": event.username,
                "status": "active",
                "connected_at": event.connected_at,
            },
            conflict=["connection_id"],
        )
    elif isinstance(event, ConnectionRemoved | ReauthorizationRequired):
        tracked = await session.get(TrackedConnection, event.connection_id)
        if tracked is not None:
            tracked.status = (
                "disconnected" if isinstance(event, ConnectionRemoved) else "reauth_required"
            )
            session.add(tracked)
        if isinstance(event, ConnectionRemoved) and event.purge_history:
            rows = await session.exec(
                select(DailySnapshot).where(DailySnapshot.connection_id == event.connection_id)
            )
            for row in rows.all():
                await session.delete(row)
    await session.commit()


async def store_snapshot(session: AsyncSession, snapshot: AccountSnapshot) -> bool:
    """Upsert the day's row if ``snapshot`` supersedes it; returns whether it did."""
    existing = await session.get(DailySnapshot, (snapshot.connection_id, snapshot.snapshot_date))
    if not supersedes(snapshot, existing):
        return False
    values = snapshot.model_dump(
        mode="python",
        include={
            "connection_id",
            "snapshot_date",
            "client_id",
            "username",
            "followers",
            "following",
            "posts",
            "engagement_rate",
            "reach",
            "views",
            "engagement_formula",
            "platform_metrics",
            "missing_metrics",
            "backfill",
            "fetched_at",
        },
    )
    values["platform"] = snapshot.platform.value
    values["recent_items"] = [item.model_dump(mode="json") for item in snapshot.recent_items]
    await upsert(session, DailySnapshot, values, conflict=["connection_id", "snapshot_date"])
    # A snapshot can overtake its connection event (different topics): track it meanwhile.
    await upsert(
        session,
        TrackedConnection,
        {
            "connection_id": snapshot.connection_id,
            "client_id": snapshot.client_id,
            "platform": snapshot.platform.value,
            "platform_user_id": snapshot.platform_user_id,
            "username": snapshot.username,
            "status": "active",
            "connected_at": snapshot.fetched_at,
        },
        conflict=["connection_id"],
        update=[],
    )
    await session.commit()
    return True


async def series(
    session: AsyncSession, connection_id: uuid.UUID, start: date, end: date
) -> list[DailySnapshot]:
    rows = await session.exec(
        select(DailySnapshot)
        .where(
            DailySnapshot.connection_id == connection_id,
            col(DailySnapshot.snapshot_date) >= start,
            col(DailySnapshot.snapshot_date) <= end,
        )
        .order_by(col(DailySnapshot.snapshot_date))
    )
    return list(rows.all())


def to_points(rows: list[DailySnapshot]) -> list[DailyPoint]:
    return [DailyPoint(r.snapshot_date, r.followers, r.engagement_rate, r.posts) for r in rows]


async def growth(session: AsyncSession, connection_id: uuid.UUID, as_of: date) -> GrowthSummary:
    rows = await series(session, connection_id, as_of - timedelta(days=SUMMARY_WINDOW_DAYS), as_of)
    return summarize(to_points(rows), as_of)


def metrics_event(snapshot: AccountSnapshot, summary: GrowthSummary) -> MetricsUpdated:
    return MetricsUpdated(
        # Deterministic id: a redelivered snapshot yields the same derived event id.
        event_id=uuid.uuid5(
            snapshot.connection_id, f"{snapshot.snapshot_date}:{snapshot.fetched_at.isoformat()}"
        ),
        connection_id=snapshot.connection_id,
        client_id=snapshot.client_id,
        platform=snapshot.platform,
        username=snapshot.username,
        metrics_date=snapshot.snapshot_date,
        backfill=snapshot.backfill,
        followers=summary.followers,
        followers_change_1d=summary.change_1d,
        followers_change_7d=summary.change_7d,
        followers_change_30d=summary.change_30d,
        growth_pct_7d=summary.growth_pct_7d,
        growth_pct_30d=summary.growth_pct_30d,
        engagement_rate=summary.engagement_rate,
        posts=summary.posts,
    )


async def tracked_for_client(session: AsyncSession, client_id: str) -> list[TrackedConnection]:
    rows = await session.exec(
        select(TrackedConnection)
        .where(TrackedConnection.client_id == client_id)
        .order_by(col(TrackedConnection.platform))
    )
    return list(rows.all())


async def latest_row(session: AsyncSession, connection_id: uuid.UUID) -> DailySnapshot | None:
    rows = await session.exec(
        select(DailySnapshot)
        .where(DailySnapshot.connection_id == connection_id)
        .order_by(col(DailySnapshot.snapshot_date).desc())
        .limit(1)
    )
    return rows.first()
