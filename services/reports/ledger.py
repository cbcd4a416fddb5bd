"""Recording each day's derived metrics for the reports (idempotent by connection and day)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reports.models import ReportDay
from shared.db import upsert
from shared.events import MetricsUpdated


def supersedes(event: MetricsUpdated, current: ReportDay | None) -> bool:
    """The highest revision of a day wins; a redelivered older one leaves the row as it was."""
    return current is None or event.revision >= current.revision


async def record(session: AsyncSession, event: MetricsUpdated) -> bool:
    """Keep the day's figures if ``event`` is at least as new as what is kept; returns whether."""
    current = await session.get(ReportDay, (event.connection_id, event.metrics_date))
    if not supersedes(event, current):
        return False
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
            "followers_change_30d": event.followers_change_30d,
            "growth_pct_7d": event.growth_pct_7d,
            "growth_pct_30d": event.growth_pct_30d,
            "engagement_rate": event.engagement_rate,
            "posts": event.posts,
            "new_followers": event.new_followers,
            "follower_source": event.followers_source,
            "backfill": event.backfill,
            "revision": event.revision,
            "received_at": event.occurred_at,
        },
        conflict=["connection_id", "metrics_date"],
    )
    await session.commit()
    return True
