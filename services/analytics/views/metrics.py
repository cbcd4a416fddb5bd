"""One account's metrics: latest figures, growth, engagement, posting times, themes, days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import reads
from services.analytics.domain import dashboard, engagement, themes, timing
from services.analytics.domain.content import ContentItem, published_between
from services.analytics.domain.range_growth import (
    growth_rate,
    standard_growth,
)
from services.analytics.schemas import (
    DailyMetric,
    LatestFigures,
    PlatformMetrics,
    PostingTimesPublic,
    StandardGrowthPublic,
    ThemePublic,
    ThemesPublic,
)
from services.analytics.views.client import client
from services.analytics.views.params import checked_window
from services.analytics.views.shaping import bucket_public, engagement_public, growth_public, round2
from shared import clock

#: The default window of a platform's daily history (``…/metrics`` without ``from``/``to``).
HISTORY_DAYS = 90
#: Engagement "over the last 30 days" / the program's first and last 30 days: 30 local days.
ENGAGEMENT_DAYS = 30
#: Best posting time and themes read the posts of the last 90 local days.
INSIGHT_DAYS = 90


def _posting_times(
    items: Iterable[ContentItem], timezone: str, start: date, end: date
) -> PostingTimesPublic:
    found = timing.posting_times(items, timezone)
    return PostingTimesPublic(
        timezone=timezone,
        start=start,
        end=end,
        min_bucket_posts=timing.MIN_BUCKET_POSTS,
        min_total_posts=timing.MIN_TOTAL_POSTS,
        posts_rated=found.posts_rated,
        posts_without_rate=found.posts_without_rate,
        best_slot=bucket_public(found.best_slot),
        best_weekday=bucket_public(found.best_weekday),
        best_hour=bucket_public(found.best_hour),
        slots=[b for b in map(bucket_public, found.slots) if b is not None],
    )


def _themes(items: Iterable[ContentItem], start: date, end: date) -> ThemesPublic:
    found = themes.theme_lifts(items)
    return ThemesPublic(
        start=start,
        end=end,
        min_posts=themes.MIN_THEME_POSTS,
        posts_rated=found.posts_rated,
        posts_without_rate=found.posts_without_rate,
        account_median=round2(found.account_median),
        themes=[
            ThemePublic(
                kind=t.theme.kind.value,
                text=t.theme.text,
                posts=t.posts,
                median_rate=round(t.median_rate, 2),
                lift_pct=round2(t.lift_pct),
            )
            for t in found.themes
        ],
    )


async def platform_metrics(
    session: AsyncSession,
    client_id: str,
    platform: str,
    start: date | None,
    end: date | None,
    *,
    known: bool = False,
) -> PlatformMetrics:
    """One account's latest figures, growth, insights and daily history (``start``…``end``,
    by default the last ``HISTORY_DAYS`` days)."""
    today = clock.today()
    found = await client(session, client_id, known=known)
    tracked = found.account(platform)
    end = end or today
    start = start or end - timedelta(days=HISTORY_DAYS)
    checked_window(start, end)
    cid = tracked.connection_id
    row = (await reads.latest(session, [cid])).get(cid)
    counts = dashboard.follower_counts(
        {platform: (await reads.figures(session, [cid], None, today))[cid]}
    )[platform]
    days = await reads.history_days(session, cid, start, end)
    first = today - timedelta(days=INSIGHT_DAYS - 1)
    items = (await reads.content(session, [cid], first, today)).items
    recent = published_between(items, first, today, found.timezone)
    standard = standard_growth(counts, today)
    month = today - timedelta(days=ENGAGEMENT_DAYS - 1)
    return PlatformMetrics(
        client_id=client_id,
        platform=platform,
        connection_id=cid,
        username=row.username if row else tracked.username,
        status=tracked.status,
        as_of=today,
        last_synced_at=row.last_synced_at if row else None,
        latest=None
        if row is None
        else LatestFigures(
            date=row.day,
            source=row.source.value,
            followers=row.followers,
            follower_source=row.follower_source,
            following=row.following,
            posts=row.posts,
            engagement_rate=row.engagement_rate,
            engagement_formula=row.engagement_formula,
            reach=row.reach,
            views=row.views,
            platform_metrics=row.platform_metrics,
            missing_metrics=row.missing_metrics,
            fetched_at=row.fetched_at,
        ),
        growth=StandardGrowthPublic(
            days_7=growth_public(standard.days_7),
            days_30=growth_public(standard.days_30),
            days_90=growth_public(standard.days_90),
            all_time=None if standard.all_time is None else growth_public(standard.all_time),
            growth_rate=round2(growth_rate(counts, today)),
        ),
        engagement_30d=engagement_public(
            engagement.account_engagement(items, month, today, found.timezone)
        ),
        posting_times=_posting_times(recent, found.timezone, first, today),
        themes=_themes(recent, first, today),
        days=[
            DailyMetric(
                date=d["snapshot_date"],
                followers=d["followers"],
                follower_source=d["follower_source"],
                new_followers=d["followers_gained"],
                followers_lost=d["followers_lost"],
                followers_change_1d=d["followers_change_1d"],
                followers_change_7d=d["followers_change_7d"],
                followers_change_30d=d["followers_change_30d"],
                growth_pct_7d=d["growth_pct_7d"],
                growth_pct_30d=d["growth_pct_30d"],
                following=d["following"],
                posts=d["posts"],
                engagement_rate=d["engagement_rate"],
                reach=d["reach"],
                views=d["views"],
                backfill=d["backfill"],
                source=d["source"].value,
            )
            for d in days
        ],
    )
