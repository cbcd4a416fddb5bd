"""Recording each day's derived metrics for the reports (idempotent by connection and day)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reports.models import ReportDay
from shared.db import upsert
from shared.events import MetricsUpdated


async def record(session: AsyncSession, event: MetricsUpdated) -> None:
    """The latest event for a day wins; replaying the same event leaves the row as it was."""
    await upsert(
        session,
        ReportDay,
        {
            "connection_id": event.connection_id,
            "metrics_date": event.metrics_date,
            "client_id": event.client_id,
            "platform": event.platform.value,
            "username": event.username,
            "followers": event.followers,
            "followers_change_1d": event.followers_change_1d,
            "followers_change_7d": event.followers_change_7d,
            "growth_pct_7d": event.growth_pct_7d,
            "growth_pct_30d": event.growth_pct_30d,
            "engagement_rate": event.engagement_rate,
            "posts": event.posts,
            "backfill": event.backfill,
            "received_at": event.occurred_at,
        },
        conflict=["connection_id", "metrics_date"],
    )
    await session.commit()
