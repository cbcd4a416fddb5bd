"""Keeping the watched accounts current from ``MetricsUpdated`` events."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.alerts.models import WatchedAccount
from shared.db import upsert
from shared.events import MetricsUpdated


def is_newer(event: MetricsUpdated, current: WatchedAccount | None) -> bool:
    """Only the latest day counts; a redelivery or an older (backfilled) day changes nothing."""
    return current is None or event.metrics_date >= current.metrics_date


async def observe(session: AsyncSession, event: MetricsUpdated) -> bool:
    current = await session.get(WatchedAccount, event.connection_id)
    if not is_newer(event, current):
        return False
    await upsert(
        session,
        WatchedAccount,
        {
            "connection_id": event.connection_id,
            "client_id": event.client_id,
            "platform": event.platform.value,
            "username": event.username,
            "metrics_date": event.metrics_date,
            "followers": event.followers,
            "followers_change_1d": event.followers_change_1d,
            "followers_change_7d": event.followers_change_7d,
            "growth_pct_7d": event.growth_pct_7d,
            "engagement_rate": event.engagement_rate,
            "observed_at": event.occurred_at,
        },
        conflict=["connection_id"],
    )
    await session.commit()
    return True
