"""Milestones: a follower threshold first reached, by one account or by a client's total."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.analytics.domain.followers import ONE_DAY
from services.analytics.domain.ranges import DailyCounts
from services.analytics.domain.signals.config import (
    DEFAULT_CONFIG,
    Number,
    Signal,
    SignalConfig,
    SignalKind,
)


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
