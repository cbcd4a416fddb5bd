"""The portfolio and the leaderboard (admin; ``services/analytics/portfolio_api.py``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel


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
