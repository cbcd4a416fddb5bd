"""What the rules take and give: the signal kinds, a signal, the thresholds (:class:`SignalConfig`)
and one account's series. The rules themselves are in the sibling modules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from services.analytics.domain.ranges import DailyCounts

DailyRates = Mapping[date, float | None]
"""One account's engagement rate of each day, in percent; ``None`` or absent = unknown."""


class SignalKind(StrEnum):
    MILESTONE = "milestone"
    TOTAL_MILESTONE = "total_milestone"
    SURGE = "surge"
    DECLINE = "decline"
    STALL = "stall"
    LOW_ENGAGEMENT = "low_engagement"
    STALE_DATA = "stale_data"


class StaleReason(StrEnum):
    NO_RECENT_SYNC = "no_recent_sync"
    """Synced once, but not for ``stale_days`` days."""
    NEVER_SYNCED = "never_synced"
    """No successful sync at all."""


Number = int | float | str


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    day: date
    """The day the signal is about."""
    key: str
    """Unique per account and fact, e.g. ``milestone:10000:2026-11-20``: deduplicate on it."""
    numbers: dict[str, Number] = field(hash=False)
    """The figures that triggered it (dates as ISO strings)."""
    reason: StaleReason | None = None
    """Stale data only: why."""


@dataclass(frozen=True)
class SignalConfig:
    """The thresholds of every rule; the defaults are the product's."""

    milestones: tuple[int, ...] = (
        1_000,
        5_000,
        10_000,
        25_000,
        50_000,
        100_000,
        250_000,
        500_000,
        1_000_000,
    )
    """Follower thresholds, increasing."""
    milestone_every: int | None = 1_000_000
    """Above the last listed threshold, every multiple of this (None: none)."""
    baseline_days: int = 28
    """B: days of gains before the recent window that make the baseline."""
    min_baseline_gains: int = 14
    """M: known gains the baseline needs, else no growth signal."""
    recent_days: int = 3
    """R: the recent gains, ending with the gain of the day before ``d``; all must be known."""
    k: float = 3.0
    """How many spreads from the baseline is unusual."""
    min_spread: float = 1.0
    """Floor of the spread, followers a day."""
    min_spread_fraction: float = 0.001
    """Floor of the spread as a fraction of ``count(d - R)`` (0.001 = 0.1 % a day)."""
    engagement_floor: float = 0.5
    """Absolute floor of the engagement rate, percent."""
    engagement_fraction: float = 0.5
    """Low when below this fraction of the account's own median rate."""
    engagement_days: int = 30
    """E: days before ``d`` whose rates make the median."""
    min_engagement_rates: int = 10
    """Known rates the median needs, else no low-engagement signal."""
    stale_days: int = 3
    """N: days without a successful sync that make data stale."""

    def __post_init__(self) -> None:
        ms = self.milestones
        if any(t <= 0 for t in ms) or any(a >= b for a, b in pairwise(ms)):
            raise ValueError("milestones must be positive and strictly increasing")
        if self.milestone_every is not None and self.milestone_every <= 0:
            raise ValueError("milestone_every must be positive")
        if not 1 <= self.min_baseline_gains <= self.baseline_days:
            raise ValueError("need 1 <= min_baseline_gains <= baseline_days")
        if not 1 <= self.min_engagement_rates <= self.engagement_days:
            raise ValueError("need 1 <= min_engagement_rates <= engagement_days")
        if self.recent_days < 1 or self.stale_days < 1:
            raise ValueError("recent_days and stale_days must be at least 1")
        if self.k <= 0 or self.min_spread <= 0 or self.min_spread_fraction < 0:
            raise ValueError("k and min_spread must be positive, min_spread_fraction >= 0")
        if self.engagement_floor < 0 or not 0 < self.engagement_fraction <= 1:
            raise ValueError("need engagement_floor >= 0 and 0 < engagement_fraction <= 1")


DEFAULT_CONFIG = SignalConfig()


@dataclass(frozen=True)
class AccountSeries:
    """What the signals of one account are computed from."""

    counts: DailyCounts
    rates: DailyRates
    last_success: date | None
    """The day of the last successful sync; None if never."""
    connected_on: date | None = None
    """When given, "never synced" counts from this day."""


def days_from(first: date, n: int) -> Iterator[date]:
    return (first + timedelta(days=i) for i in range(n))
