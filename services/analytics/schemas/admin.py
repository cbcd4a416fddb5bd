"""The admin's client overview: platforms, program start versus now, forecast, signals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from services.analytics.models import ConnectionStatus
from services.analytics.schemas.common import (
    EngagementPublic,
    GrowthPublic,
    MarkerPublic,
    SeriesPoint,
)


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
    status: ConnectionStatus
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
