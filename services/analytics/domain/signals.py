"""Signals about one account (or a client's accounts in total), each with the figures behind it.

Conventions. ``count(t)`` is the follower count at the *start* of day ``t`` (``followers.py``);
the gain of day ``t`` is ``g(t) = count(t + 1) - count(t)``, known only when both counts are. A
signal *about day d* uses what is known at the start of ``d``: counts up to ``count(d)``, gains
up to ``g(d - 1)``, the engagement rate of ``d``. Missing data never becomes a number: a rule
without the data it needs says nothing.

Every signal has a ``key`` built from its kind, its day (or, for stale data, the last
successful sync) and, for milestones, the threshold. The same facts always give the same signals
and keys, so a caller that remembers the keys it emitted emits nothing new on a replay.

* **Milestone** (``milestone``, ``total_milestone``): on day ``d`` for each threshold ``T`` with
  ``count(d - 1) < T <= count(d)``, both counts known, and no known count before ``d`` at or
  above ``T``: a milestone is reached once in the series given (pass the whole history), so an
  oscillation around 10K fires on its first crossing only. Thresholds: ``milestones``, then every
  multiple of ``milestone_every`` above the last of them. The total variant adds the accounts'
  counts, on days where every account has one.
* **Surge, decline, stall**: the *recent* gains are the ``R`` gains ``g(d - R) … g(d - 1)``, all
  known; the *baseline* gains are the known ones of the ``B`` days before them,
  ``g(d - R - B) … g(d - R - 1)``, at least ``M``. ``m`` = median of the recent gains (a single
  spike day among three does not move it); ``b`` = median of the baseline gains;
  ``spread = max(1.4826 * MAD, min_spread, min_spread_fraction * count(d - R))``, MAD being the
  median absolute deviation of the baseline gains from ``b`` (1.4826 * MAD estimates a standard
  deviation; the floors keep a flat baseline from turning every wiggle into a signal). In this
  order, the first that holds: **surge** ``m > b + k * spread``; **stall** ``b > k * spread``
  (clearly growing) and ``|m| <= spread``; **decline** ``m < 0`` and ``m < b - k * spread``.
* **Low engagement**: the rate of ``d`` (percent) is below ``max(engagement_floor,
  engagement_fraction * median)``, the median over the known rates of the ``E`` days before ``d``
  (at least ``min_engagement_rates``).
* Surge, decline, stall and low engagement fire on the first day of a run: not on ``d`` if the
  same rule also held on ``d - 1`` (a day the rule cannot evaluate breaks the run).
* **Stale data**: no successful sync for ``N`` days, ``day - last_success >= N``; once per stale
  streak (the key carries the last-success date). Never synced is its own reason, counted from
  the connection day when it is given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise
from statistics import median
from typing import NamedTuple

from services.analytics.domain.followers import ONE_DAY
from services.analytics.domain.ranges import DailyCounts

DailyRates = Mapping[date, float | None]
"""One account's engagement rate of each day, in percent; ``None`` or absent = unknown."""

MAD_TO_SD = 1.4826
"""1.4826 * MAD estimates the standard deviation of normally distributed values."""


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


# --- milestones -------------------------------------------------------------------------------


def thresholds_between(low: int, high: int, config: SignalConfig = DEFAULT_CONFIG) -> list[int]:
    """The thresholds ``T`` with ``low < T <= high``, increasing."""
    out = [t for t in config.milestones if low < t <= high]
    every = config.milestone_every
    if every is not None:
        above = config.milestones[-1] if config.milestones else 0
        first = max(above, low) // every + 1
        out.extend(n * every for n in range(first, high // every + 1))
    return out


def _milestones(
    counts: DailyCounts, day: date, config: SignalConfig, kind: SignalKind, extra: dict[str, Number]
) -> list[Signal]:
    before, after = counts.get(day - ONE_DAY), counts.get(day)
    if before is None or after is None or after <= before:
        return []
    peak = max((n for t, n in counts.items() if t < day and n is not None), default=before)
    return [
        Signal(
            kind,
            day,
            f"{kind}:{t}:{day.isoformat()}",
            {"threshold": t, "before": before, "after": after, **extra},
        )
        for t in thresholds_between(peak, after, config)
    ]


def milestones(
    counts: DailyCounts, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> list[Signal]:
    """Milestones first reached on ``day``: ``count(day - 1) < T <= count(day)``, both known,
    no known count before ``day`` at or above ``T``. One signal per threshold, increasing."""
    return _milestones(counts, day, config, SignalKind.MILESTONE, {})


def total_series(accounts: Mapping[str, DailyCounts]) -> dict[date, int]:
    """The sum of the accounts' counts on every day where each of them has one."""
    if not accounts:
        return {}
    days = set.intersection(
        *({t for t, n in counts.items() if n is not None} for counts in accounts.values())
    )
    return {t: sum(counts[t] or 0 for counts in accounts.values()) for t in days}


def total_milestones(
    accounts: Mapping[str, DailyCounts], day: date, config: SignalConfig = DEFAULT_CONFIG
) -> list[Signal]:
    """``milestones`` of the accounts' total (``total_series``): days where an account has no
    count have no total, so an account connected later never makes a crossing."""
    extra: dict[str, Number] = {"accounts": len(accounts)}
    return _milestones(total_series(accounts), day, config, SignalKind.TOTAL_MILESTONE, extra)


# --- surge, decline, stall -------------------------------------------------------------------


@dataclass(frozen=True)
class GrowthReading:
    """The figures the growth rules compare, for one day."""

    day: date
    recent_median: float
    """m: median of the R recent gains."""
    baseline_median: float
    """b: median of the known baseline gains."""
    mad: float
    """Median absolute deviation of the baseline gains from b."""
    spread: float
    """max(1.4826 * MAD, min_spread, min_spread_fraction * count_start)."""
    baseline_gains: int
    """How many baseline gains were known."""
    count_start: int
    """count(d - R)."""
    count: int
    """count(d)."""


def _gain(counts: DailyCounts, t: date) -> int | None:
    start, end = counts.get(t), counts.get(t + ONE_DAY)
    return None if start is None or end is None else end - start


def _days(first: date, n: int) -> Iterator[date]:
    return (first + timedelta(days=i) for i in range(n))


def read_growth(
    counts: DailyCounts, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> GrowthReading | None:
    """The recent and baseline gains of ``day``; None when a recent gain is unknown or fewer
    than ``min_baseline_gains`` baseline gains are known."""
    r, b = config.recent_days, config.baseline_days
    recent = [_gain(counts, t) for t in _days(day - timedelta(days=r), r)]
    known_recent = [g for g in recent if g is not None]
    baseline = [_gain(counts, t) for t in _days(day - timedelta(days=r + b), b)]
    known = [g for g in baseline if g is not None]
    if len(known_recent) < r or len(known) < config.min_baseline_gains:
        return None
    count_start, count = counts.get(day - timedelta(days=r)), counts.get(day)
    # Known, since every recent gain is.
    assert count_start is not None
    assert count is not None
    centre = float(median(known))
    mad = float(median(abs(g - centre) for g in known))
    spread = max(MAD_TO_SD * mad, config.min_spread, config.min_spread_fraction * count_start)
    return GrowthReading(
        day=day,
        recent_median=float(median(known_recent)),
        baseline_median=centre,
        mad=mad,
        spread=spread,
        baseline_gains=len(known),
        count_start=count_start,
        count=count,
    )


def classify_growth(
    reading: GrowthReading, config: SignalConfig = DEFAULT_CONFIG
) -> SignalKind | None:
    """Surge, else stall, else decline, else None (the rules in the module's docstring)."""
    m, b, s, k = reading.recent_median, reading.baseline_median, reading.spread, config.k
    if m > b + k * s:
        return SignalKind.SURGE
    if b > k * s and abs(m) <= s:
        return SignalKind.STALL
    if m < 0 and m < b - k * s:
        return SignalKind.DECLINE
    return None


def _growth_kind(counts: DailyCounts, day: date, config: SignalConfig) -> SignalKind | None:
    reading = read_growth(counts, day, config)
    return None if reading is None else classify_growth(reading, config)


def growth_signal(
    counts: DailyCounts, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> Signal | None:
    """A surge, decline or stall starting on ``day`` (not if the same held on ``day - 1``)."""
    reading = read_growth(counts, day, config)
    kind = None if reading is None else classify_growth(reading, config)
    if reading is None or kind is None or _growth_kind(counts, day - ONE_DAY, config) == kind:
        return None
    m, b, s, k = reading.recent_median, reading.baseline_median, reading.spread, config.k
    numbers: dict[str, Number] = {
        "recent_median_gain": m,
        "baseline_median_gain": b,
        "mad": reading.mad,
        "spread": s,
        "k": k,
        "baseline_gains": reading.baseline_gains,
        "recent_days": config.recent_days,
        "count_start": reading.count_start,
        "count": reading.count,
    }
    if kind is SignalKind.SURGE:
        numbers["threshold"] = b + k * s
    elif kind is SignalKind.DECLINE:
        numbers["threshold"] = b - k * s
    return Signal(kind, day, f"{kind}:{day.isoformat()}", numbers)


# --- engagement ------------------------------------------------------------------------------


class LowRate(NamedTuple):
    """Why the rate of a day is low: the figures the rule compared."""

    rate: float
    median: float
    """Of the known rates of the ``engagement_days`` before the day."""
    threshold: float
    """``max(engagement_floor, engagement_fraction * median)``."""
    rates: int
    """Known rates in the median."""


def low_rate(rates: DailyRates, day: date, config: SignalConfig = DEFAULT_CONFIG) -> LowRate | None:
    """The rate of ``day`` below ``max(floor, fraction * median of the E days before)``, else None.

    The low-engagement rule's core, true on every day of a low run (the signal fires on its
    first day only); None also when the day's rate or enough earlier rates are unknown.
    """
    rate = rates.get(day)
    days = _days(day - timedelta(days=config.engagement_days), config.engagement_days)
    known = [r for r in (rates.get(t) for t in days) if r is not None]
    if rate is None or len(known) < config.min_engagement_rates:
        return None
    centre = float(median(known))
    threshold = max(config.engagement_floor, config.engagement_fraction * centre)
    return LowRate(rate, centre, threshold, len(known)) if rate < threshold else None


def low_engagement(
    rates: DailyRates, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> Signal | None:
    """The rate of ``day`` below ``max(floor, fraction * median of the E days before)``, when
    that did not already hold on ``day - 1``."""
    low = low_rate(rates, day, config)
    if low is None or low_rate(rates, day - ONE_DAY, config) is not None:
        return None
    rate, centre, threshold, n = low
    numbers: dict[str, Number] = {
        "rate": rate,
        "median_rate": centre,
        "threshold": threshold,
        "floor": config.engagement_floor,
        "fraction": config.engagement_fraction,
        "rates": n,
    }
    return Signal(SignalKind.LOW_ENGAGEMENT, day, f"low_engagement:{day.isoformat()}", numbers)


# --- stale data ------------------------------------------------------------------------------


def stale_data(
    last_success: date | None,
    day: date,
    config: SignalConfig = DEFAULT_CONFIG,
    connected_on: date | None = None,
) -> Signal | None:
    """No successful sync for ``stale_days`` days on ``day``: ``day - last_success >= N``.

    Key ``stale_data:<last_success>``: one signal per stale streak. Never synced: reason
    ``never_synced``, from ``connected_on + N`` on when it is given (key
    ``stale_data:never_synced:<connected_on>``), else at once (key ``stale_data:never_synced``).
    """
    n = config.stale_days
    kind = SignalKind.STALE_DATA
    if last_success is not None:
        age = (day - last_success).days
        if age < n:
            return None
        numbers: dict[str, Number] = {
            "days_since_success": age,
            "threshold_days": n,
            "last_success": last_success.isoformat(),
        }
        key = f"{kind}:{last_success.isoformat()}"
        return Signal(kind, day, key, numbers, StaleReason.NO_RECENT_SYNC)
    if connected_on is None:
        numbers = {"threshold_days": n}
        return Signal(kind, day, f"{kind}:never_synced", numbers, StaleReason.NEVER_SYNCED)
    age = (day - connected_on).days
    if age < n:
        return None
    numbers = {
        "days_since_connected": age,
        "threshold_days": n,
        "connected_on": connected_on.isoformat(),
    }
    key = f"{kind}:never_synced:{connected_on.isoformat()}"
    return Signal(kind, day, key, numbers, StaleReason.NEVER_SYNCED)


# --- all of one account ----------------------------------------------------------------------


def account_signals(
    account: AccountSeries, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> list[Signal]:
    """Every signal of one account about ``day``: milestones, growth, engagement, stale data."""
    out = milestones(account.counts, day, config)
    for signal in (
        growth_signal(account.counts, day, config),
        low_engagement(account.rates, day, config),
        stale_data(account.last_success, day, config, account.connected_on),
    ):
        if signal is not None:
            out.append(signal)
    return out
