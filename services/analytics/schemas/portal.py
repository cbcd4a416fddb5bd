"""The portal's dashboards: the overview, a platform's metrics and growth, top content."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from services.analytics.models import ConnectionStatus
from services.analytics.schemas.common import (
    DayRangePublic,
    DaySourceName,
    EngagementPublic,
    GrowthPublic,
    MarkerPublic,
    SeriesPoint,
)


class DailyMetric(BaseModel):
    """One day. ``followers`` is the count at the start of the day: ``observed`` (stated by the
    platform, or recorded by the client for an imported day) or ``rebuilt`` (chained from an
    observed count through the platform's gains and losses), else None. ``new_followers`` /
    ``followers_lost`` are the platform's own daily series where it has them. ``source`` says
    where the day's figures came from: the live sync, the platform's history, or an admin's
    history import."""

    date: date
    followers: int | None
    follower_source: str | None
    new_followers: int | None
    followers_lost: int | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    following: int | None
    posts: int | None
    engagement_rate: float | None
    reach: int | None
    views: int | None
    backfill: bool
    source: DaySourceName


class TotalsPublic(BaseModel):
    accounts: int
    """Accounts shown (every one but the disconnected)."""
    day: date | None
    """The day the totals are read on: the latest day up to today on which every account has a
    count; null when there is none."""
    followers: int | None
    followers_change_30d: GrowthPublic | None
    """From ``day`` - 30 days to ``day``, over the daily totals; null without ``day``."""
    reason: str | None
    """Why ``followers`` is null."""


class AccountOverview(BaseModel):
    connection_id: uuid.UUID
    platform: str
    username: str
    status: ConnectionStatus
    last_snapshot_date: date | None
    last_snapshot_source: DaySourceName | None
    """Where the latest day's figures came from: ``import`` only when the account has no day
    from the platform yet."""
    last_synced_at: datetime | None
    """When the live sync fetched the newest live day; null before one."""
    followers: int | None
    follower_source: str | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    change_this_month: GrowthPublic | None
    """From the 1st of the current UTC month to ``last_snapshot_date``; null when the account
    has no day this month."""
    share_of_total_pct: float | None
    """The account's part of ``totals.followers``, both read on ``totals.day``."""
    engagement_rate: float | None
    engagement_formula: str | None
    posts: int | None
    missing_metrics: list[str]


class Overview(BaseModel):
    client_id: str
    as_of: date
    totals: TotalsPublic
    accounts: list[AccountOverview]


class LatestFigures(BaseModel):
    """The account's latest day (its newest live day, else its newest platform or imported
    day) as stored."""

    date: date
    source: DaySourceName
    followers: int | None
    follower_source: str | None
    following: int | None
    posts: int | None
    engagement_rate: float | None
    engagement_formula: str | None
    reach: int | None
    views: int | None
    platform_metrics: dict[str, float]
    missing_metrics: list[str]
    fetched_at: datetime


class StandardGrowthPublic(BaseModel):
    days_7: GrowthPublic
    days_30: GrowthPublic
    days_90: GrowthPublic
    all_time: GrowthPublic | None
    """From the first day with a count; null when there is none."""
    growth_rate: float | None
    """The seed's ``growthRate`` in percent: the 30-day percent."""


class BucketPublic(BaseModel):
    weekday: int | None
    """0 = Monday … 6 = Sunday."""
    hour: int | None
    posts: int
    median_rate: float | None


class PostingTimesPublic(BaseModel):
    """Best weekday x hour on the client's clock, over the posts published in ``start`` …
    ``end``; no best below ``min_total_posts`` rated posts, no score below ``min_bucket_posts``."""

    timezone: str
    start: date
    end: date
    min_bucket_posts: int
    min_total_posts: int
    posts_rated: int
    posts_without_rate: int
    best_slot: BucketPublic | None
    best_weekday: BucketPublic | None
    best_hour: BucketPublic | None
    slots: list[BucketPublic]


class ThemePublic(BaseModel):
    kind: Literal["hashtag", "keyword"]
    text: str
    posts: int
    median_rate: float
    lift_pct: float | None


class ThemesPublic(BaseModel):
    start: date
    end: date
    min_posts: int
    posts_rated: int
    posts_without_rate: int
    account_median: float | None
    themes: list[ThemePublic]


class PlatformMetrics(BaseModel):
    """``GET …/{platform}/metrics``: one account's current figures, growth, insights and its
    daily history (``from`` … ``to``, every stored column)."""

    client_id: str
    platform: str
    connection_id: uuid.UUID
    username: str
    status: ConnectionStatus
    as_of: date
    last_synced_at: datetime | None
    latest: LatestFigures | None
    growth: StandardGrowthPublic
    engagement_30d: EngagementPublic
    posting_times: PostingTimesPublic
    themes: ThemesPublic
    days: list[DailyMetric]


class GrowthSeries(BaseModel):
    """``GET …/{platform}/growth``: one point per day of the range, never interpolated."""

    client_id: str
    platform: str
    """One platform, or ``all``."""
    metric: str
    range: str
    start: date
    end: date
    points: list[SeriesPoint]
    gaps: list[DayRangePublic]
    """The runs of days without a value."""
    growth: GrowthPublic
    """Followers over the range (of the platform, or of the daily totals)."""
    deliverables: list[MarkerPublic]
    """The program's deliverables due or completed in the range."""


class ContentPublic(BaseModel):
    platform: str
    item_id: str
    kind: str
    published_at: datetime
    url: str | None
    caption: str | None
    views: int | None
    reach: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    engagement_rate: float | None


class TopContentPublic(BaseModel):
    client_id: str
    platform: str | None
    """Null: across every platform."""
    by: str
    start: date
    end: date
    published: int
    """Posts published in the range."""
    without_metric: int
    """Of those, the posts left out because the platform gave no value for ``by``."""
    items: list[ContentPublic]
    """Best first, each with the metrics of the last day it was seen."""
