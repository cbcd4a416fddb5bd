"""The overview: totals across platforms (with their 30-day change) and each account."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import reads
from services.analytics.domain import dashboard
from services.analytics.domain.range_growth import (
    growth_between,
)
from services.analytics.schemas import (
    AccountOverview,
    Overview,
    TotalsPublic,
)
from services.analytics.views.client import by_platform, client, follower_totals
from services.analytics.views.shaping import growth_public, round2
from shared import clock

#: The overview's totals day is the latest with every account's count in this many days.
TOTALS_LOOKBACK_DAYS = 30
#: The totals' change (``followers_change_30d``) runs over this many days up to their day.
CHANGE_DAYS = 30


async def overview(session: AsyncSession, client_id: str, *, known: bool = False) -> Overview:
    """Totals across platforms (with their 30-day change) and each connected account."""
    today = clock.today()
    found = await client(session, client_id, known=known)
    shown = found.shown()
    ids = [t.connection_id for t in shown.values()]
    latest = await reads.latest(session, ids)
    lo = today - timedelta(days=2 * TOTALS_LOOKBACK_DAYS)
    accounts = by_platform(shown, await reads.figures(session, ids, lo, today))
    total, missing = follower_totals(accounts, lo, today)
    recent = [d for d in sorted(total) if d >= today - timedelta(days=TOTALS_LOOKBACK_DAYS)]
    day = max((d for d in recent if total[d] is not None), default=None)
    followers = None if day is None else total[day]
    if not shown:
        reason: str | None = "no connected account"
    elif day is None:
        reason = f"no day in the last {TOTALS_LOOKBACK_DAYS} on which every account has a count"
    else:
        reason = None
    change = None
    if day is not None:
        change = growth_public(
            growth_between(total, day - timedelta(days=CHANGE_DAYS), day), missing
        )
    rows = []
    for platform, tracked in shown.items():
        row = latest.get(tracked.connection_id)
        counts = dashboard.follower_counts({platform: accounts[platform]})[platform]
        month = dashboard.month_to_date(counts, today, row.day if row else None)
        own = None if day is None else counts.get(day)
        rows.append(
            AccountOverview(
                connection_id=tracked.connection_id,
                platform=platform,
                username=row.username if row else tracked.username,
                status=tracked.status,
                last_snapshot_date=row.day if row else None,
                last_snapshot_source=row.source.value if row else None,
                last_synced_at=row.last_synced_at if row else None,
                followers=row.followers if row else None,
                follower_source=row.follower_source if row else None,
                followers_change_1d=row.followers_change_1d if row else None,
                followers_change_7d=row.followers_change_7d if row else None,
                followers_change_30d=row.followers_change_30d if row else None,
                growth_pct_7d=row.growth_pct_7d if row else None,
                growth_pct_30d=row.growth_pct_30d if row else None,
                change_this_month=None if month is None else growth_public(month),
                share_of_total_pct=round2(100.0 * own / followers)
                if own is not None and followers
                else None,
                engagement_rate=row.engagement_rate if row else None,
                engagement_formula=row.engagement_formula if row else None,
                posts=row.posts if row else None,
                missing_metrics=row.missing_metrics if row else [],
            )
        )
    return Overview(
        client_id=client_id,
        as_of=today,
        totals=TotalsPublic(
            accounts=len(shown),
            day=day,
            followers=followers,
            followers_change_30d=change,
            reason=reason,
        ),
        accounts=rows,
    )
