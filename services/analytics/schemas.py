"""HTTP shapes of analytics."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel


class AccountOverview(BaseModel):
    connection_id: uuid.UUID
    platform: str
    username: str
    status: str
    last_snapshot_date: date | None
    followers: int | None
    follower_source: str | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    engagement_rate: float | None
    engagement_formula: str | None
    posts: int | None
    missing_metrics: list[str]


class Totals(BaseModel):
    accounts: int
    followers: int
    followers_change_7d: int | None


class Overview(BaseModel):
    client_id: str
    as_of: date
    totals: Totals
    accounts: list[AccountOverview]


class DailyMetric(BaseModel):
    """One day. ``followers`` is the count at the start of the day: ``observed`` (stated by the
    platform) or ``rebuilt`` (chained from an observed count through the platform's gains and
    losses), else None. ``new_followers`` / ``followers_lost`` are the platform's own daily
    series where it has them."""

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


class MetricsHistory(BaseModel):
    connection_id: uuid.UUID
    platform: str
    username: str
    days: list[DailyMetric]
