"""Surge, stall and decline: the recent gains' median against the baseline's, in spreads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from services.analytics.domain.followers import ONE_DAY
from services.analytics.domain.ranges import DailyCounts
from services.analytics.domain.signals.config import (
    DEFAULT_CONFIG,
    Number,
    Signal,
    SignalConfig,
    SignalKind,
    days_from,
)

MAD_TO_SD = 1.4826
"""1.4826 * MAD estimates the standard deviation of normally distributed values."""


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


def read_growth(
    counts: DailyCounts, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> GrowthReading | None:
    """The recent and baseline gains of ``day``; None when a recent gain is unknown or fewer
    than ``min_baseline_gains`` baseline gains are known."""
    r, b = config.recent_days, config.baseline_days
    recent = [_gain(counts, t) for t in days_from(day - timedelta(days=r), r)]
    known_recent = [g for g in recent if g is not None]
    baseline = [_gain(counts, t) for t in days_from(day - timedelta(days=r + b), b)]
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
