"""HTTP shapes of analytics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.date_params import BoundedDate
from shared.events.crm import (
    ClientName,
    CompletedOn,
    DeliverableTitle,
    Email,
    FollowerGoal,
    TimeZoneName,
    check_program_dates,
)

DaySourceName = Literal["live", "platform", "import"]


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


class ClientProgramBase(BaseModel):
    """A client and their coaching program."""

    name: str
    email: str
    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin")
    program_start: date
    program_end: date
    follower_goal: int | None = None


class ClientProgramUpdate(ClientProgramBase):
    """``PUT …/program``: the whole program (the same rules as the CRM's ``client.upserted``)."""

    model_config = ConfigDict(extra="forbid")

    name: ClientName
    email: Email
    timezone: TimeZoneName = Field(description="IANA time zone, e.g. Europe/Berlin")
    program_start: BoundedDate
    program_end: BoundedDate = Field(description="after program_start")
    follower_goal: FollowerGoal | None = Field(default=None, description="positive, or null")

    @model_validator(mode="after")
    def _dates(self) -> ClientProgramUpdate:
        check_program_dates(self.program_start, self.program_end)
        return self


class DeliverableBase(BaseModel):
    """One deliverable of a program (``M1``, ``M2`` …)."""

    title: str
    due_on: date
    completed_on: date | None = None


class DeliverableUpdate(DeliverableBase):
    """``PUT …/deliverables/{code}`` (the same rules as the CRM's ``deliverable.upserted``)."""

    model_config = ConfigDict(extra="forbid")

    title: DeliverableTitle
    due_on: BoundedDate
    completed_on: CompletedOn | None = Field(default=None, description="at most tomorrow (UTC)")


class DeliverablePublic(DeliverableBase):
    code: str
    updated_at: datetime


class ClientProgramPublic(ClientProgramBase):
    client_id: str
    updated_at: datetime
    """When the CRM (or an admin) last changed the program."""
    deliverables: list[DeliverablePublic]
    """By number: M1, M2, … M10."""


class HistoryImportPublic(BaseModel):
    """What ``POST …/import`` stored."""

    connection_id: uuid.UUID
    imported: int
    """Days stored: new days, or days replacing an earlier import of the same day."""
    skipped_platform_days: list[date]
    """Days the platform already reported: never replaced by an import (not an error)."""
    revision: int
    """The connection's revision after the import (``MetricsUpdated.revision``)."""


# --- the dashboards' views (overview, a platform's metrics and growth, top content, the admin
# client overview). Percentages are rounded to 2 decimals unless a field says otherwise.

PlatformName = Literal["instagram", "tiktok", "youtube", "x", "linkedin", "facebook"]


class DayRangePublic(BaseModel):
    """The days ``first`` to ``last``, both included (a gap: no value on any of them)."""

    first: date
    last: date


class GrowthPublic(BaseModel):
    """Followers from the start of ``start`` to the start of ``end``, read on exactly those
    days (``range_growth.growth_between``); ``reason`` says why ``change`` or ``percent`` is
    null."""

    start: date
    end: date
    start_count: int | None
    end_count: int | None
    change: int | None
    percent: float | None
    known_days: int
    gaps: list[DayRangePublic]
    reason: str | None


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
    status: str
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


class EngagementPublic(BaseModel):
    """The mean engagement rate of the posts published in ``start`` … ``end`` (local days)."""

    start: date
    end: date
    posts: int
    posts_rated: int
    mean_rate: float | None


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
    status: str
    as_of: date
    last_synced_at: datetime | None
    latest: LatestFigures | None
    growth: StandardGrowthPublic
    engagement_30d: EngagementPublic
    posting_times: PostingTimesPublic
    themes: ThemesPublic
    days: list[DailyMetric]


class SeriesPoint(BaseModel):
    date: date
    value: int | float | None
    source: DaySourceName | None
    """Where the day's figures came from (for ``all``: the least direct of the accounts' —
    import, then platform, then live); null when no account has the day stored."""
    missing: list[str]
    """For ``all``: the platforms without a value that day."""


class MarkerPublic(BaseModel):
    """A deliverable on the chart's time axis."""

    code: str
    title: str
    due_on: date
    completed_on: date | None
    label: str | None
    """E.g. ``"M1 Complete (Dec 1): +500 followers"``; null until it is completed."""


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


class ClientInfo(BaseModel):
    name: str
    email: str
    timezone: str
    program_start: date
    program_end: date
    follower_goal: int | None


class ConnectedPlatform(BaseModel):
    platform: str
    connection_id: uuid.UUID
    username: str
    status: str
    last_synced_at: datetime | None
    followers: int | None
    growth_30d: GrowthPublic
    performance: Literal["leading", "steady", "lagging", "declining", "no_data"]
    """Its 30-day percent against the combined one (docs/analytics-methods.md)."""


class StartVsNowPublic(BaseModel):
    """Total followers across platforms at the program's start beside the latest total."""

    start_day: date | None
    start_substituted: bool
    """The start predates the history: the first day with a total is used, and said so."""
    start_count: int | None
    now_day: date | None
    now_count: int | None
    change: int | None
    percent: float | None
    """Unrounded."""
    percent_rounded: int | None
    """To a whole number, halves away from zero (the seed's "+204%")."""


class DeliverableGainPublic(BaseModel):
    code: str
    title: str
    due_on: date
    completed_on: date | None
    label: str
    window: GrowthPublic | None
    """From the previous completion (or the program's start) to this completion."""
    after_7d: GrowthPublic | None
    """The 7 days after completion; null until they have passed."""


class EngagementTrendPublic(BaseModel):
    """One account's engagement in the program's first 30 days and in the last 30."""

    platform: str
    start: EngagementPublic
    now: EngagementPublic
    change_points: float | None
    """``now.mean_rate - start.mean_rate``, in percentage points."""


class CountBandPublic(BaseModel):
    level: float
    low: float
    high: float


class DateBandPublic(BaseModel):
    level: float
    earliest: date | None
    latest: date | None


class ForecastPublic(BaseModel):
    """The linear trend of the last 60 days' totals (``forecast.forecast``)."""

    fitted_from: date
    fitted_to: date
    points: int
    followers_per_day: float
    end_day: date | None
    """The program's end; null when it is not after today."""
    expected_at_end: float | None
    bands_at_end: list[CountBandPublic]
    goal: int | None
    goal_status: Literal["no_goal", "already_reached", "expected", "never", "beyond_horizon"]
    goal_expected_on: date | None
    goal_bands: list[DateBandPublic]


class SignalPublic(BaseModel):
    """A signal analytics raised about the client (the ``analytics.signals.v1`` event's figures)."""

    kind: str
    day: date
    """The day the signal is about."""
    platform: str | None
    """Null for a milestone of the client's total across platforms."""
    connection_id: uuid.UUID | None
    username: str | None
    key: str
    numbers: dict[str, int | float | str]
    """The figures that triggered it (docs/analytics-methods.md, "Signals")."""
    reason: str | None
    raised_at: datetime


class ClientOverviewPublic(BaseModel):
    """``GET /api/admin/social/clients/{id}``: the seed's admin client overview."""

    client_id: str
    as_of: date
    client: ClientInfo | None
    """Null until the CRM (or an admin) sent the client's program."""
    platforms: list[ConnectedPlatform]
    combined_growth_30d: GrowthPublic | None
    """The daily totals' 30-day growth; null without an account."""
    start_vs_now: StartVsNowPublic | None
    """Null without a program."""
    timeline: list[SeriesPoint]
    """Total followers per day from the program's start to today (or its end)."""
    milestones: list[MarkerPublic]
    deliverable_gains: list[DeliverableGainPublic]
    engagement_trend: list[EngagementTrendPublic]
    forecast: ForecastPublic | None
    forecast_reason: str | None
    recent_signals: list[SignalPublic]
    """The newest signals first (at most 20): milestones, surges, stalls, declines, low
    engagement, stale data."""


# --- the portfolio and the leaderboard (admin; services/analytics/portfolio_api.py) ----------


class StandingGrowth(BaseModel):
    """A client's total followers from the start of ``start`` to the start of ``end``."""

    start: date
    end: date
    start_count: int | None
    end_count: int | None
    change: int | None
    percent: float | None
    """Null when the change is unknown or the start count is 0."""


class LeaderboardEntry(BaseModel):
    position: int
    """1, 2, … over every client: the ranked ones, then those with unknown growth."""
    rank: int | None
    """Null when the client's growth is unknown."""
    client_id: str
    name: str | None
    """Null until the CRM (or an admin) sent the client's program."""
    growth: StandingGrowth


class Leaderboard(BaseModel):
    """``GET /api/admin/social/leaderboard``: one page of the clients by growth."""

    as_of: date
    computed_at: datetime
    platform: str | None
    window: str
    total: int
    """Clients on the leaderboard (every page)."""
    ranked: int
    """Of them, clients whose growth is known (they come first)."""
    unranked: int
    limit: int
    offset: int
    entries: list[LeaderboardEntry]


class PortfolioFollowers(BaseModel):
    total: int
    """Sum of every account's latest known count."""
    accounts: int
    accounts_without_count: int


class PlatformSharePublic(BaseModel):
    platform: str
    followers: int
    accounts: int
    share_percent: float | None


class AverageGrowthPublic(BaseModel):
    days: int
    mean_percent: float | None
    """Mean of the clients' growth percents; null when no client's is known."""
    n: int
    """Clients in the mean."""
    clients: int


class AttentionReason(BaseModel):
    kind: Literal["negative_growth", "low_engagement", "stale_data", "reauth_required"]
    connection_id: uuid.UUID | None
    """Null for the client's total (negative growth)."""
    platform: str | None
    numbers: dict[str, int | float | str]


class ClientAttention(BaseModel):
    client_id: str
    name: str | None
    reasons: list[AttentionReason]


class StatisticPublic(BaseModel):
    n: int
    mean: float | None
    ci: tuple[float, float] | None
    """95 % t interval; null below 3 values."""


class DifferencePublic(BaseModel):
    estimate: float
    ci: tuple[float, float]
    """95 % Welch interval."""


class CorrelationRow(BaseModel):
    code: str
    lift: StatisticPublic
    """Percentage points a day, one lift per client."""
    placebo: StatisticPublic
    """The same clients' mean placebo lift, one value per client."""
    placebo_days: int
    difference: DifferencePublic | None
    """``lift - placebo``; null unless both have 2 values or more."""
    clients_without_placebo: int
    excluded: dict[str, int]
    """Completions of the code left out, by reason."""


class CorrelationTable(BaseModel):
    days: int
    """The window N."""
    rows: list[CorrelationRow]


class Portfolio(BaseModel):
    """``GET /api/admin/social/portfolio``: every client at a glance."""

    as_of: date
    computed_at: datetime
    """When these figures were computed (an unchanged portfolio is answered from memory)."""
    platform: str | None
    clients: int
    followers: PortfolioFollowers
    top_platform: PlatformSharePublic | None
    platforms: list[PlatformSharePublic]
    growth_30d: AverageGrowthPublic
    growth_90d: AverageGrowthPublic
    leaderboard: list[LeaderboardEntry]
    """The top 10 by 30-day growth."""
    attention: list[ClientAttention]
    milestone_correlation: CorrelationTable
