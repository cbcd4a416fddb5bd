"""Keeping the watched accounts current from ``MetricsUpdated`` events."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.alerts.models import WatchedAccount
from shared.db import upsert
from shared.events import MetricsUpdated


def is_newer(event: MetricsUpdated, current: WatchedAccount | None) -> bool:
    """Only the latest day counts, at its newest revision: an older day (backfill), or an older
    revision of the same day (a redelivery, a figure since completed), changes nothing."""
    if current is None:
        return True
    return (event.metrics_date, event.revision) >= (current.metrics_date, current.revision)


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
            "followers_change_30d": event.followers_change_30d,
            "growth_pct_7d": event.growth_pct_7d,
            "growth_pct_30d": event.growth_pct_30d,
            "engagement_rate": event.engagement_rate,
            "revision": event.revision,
            "observed_at": event.occurred_at,
        },
        conflict=["connection_id"],
    )
    await session.commit()
    return True
