"""Follower growth from the stored daily counts — never estimated.

An N-day change is ``count(day) - count(day - N)``: both counts must be known for exactly those
days (observed, or rebuilt from the platform's gains and losses, see ``followers.py``). With
either missing the answer is ``None`` (unknown) — not a change over a longer or shorter span
passed off as N days. Growth % is that change over the count N days before, unknown when that
count is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from services.analytics.domain.followers import DayFacts, DroppedChain, Source, follower_counts

WINDOWS = (1, 7, 30)


@dataclass(frozen=True)
class Growth:
    """The derived figures of one day: what the API shows and ``MetricsUpdated`` carries."""

    followers: int | None = None
    source: Source | None = None
    change_1d: int | None = None
    change_7d: int | None = None
    change_30d: int | None = None
    growth_pct_7d: float | None = None
    growth_pct_30d: float | None = None


def change(counts: Mapping[date, int], day: date, days: int) -> int | None:
    end, start = counts.get(day), counts.get(day - timedelta(days=days))
    return None if end is None or start is None else end - start


def growth_pct(counts: Mapping[date, int], day: date, days: int) -> float | None:
    start = counts.get(day - timedelta(days=days))
    delta = change(counts, day, days)
    if delta is None or not start:
        return None
    return round(100.0 * delta / start, 2)


def growth_on(counts: Mapping[date, int], day: date, source: Source | None = None) -> Growth:
    return Growth(
        followers=counts.get(day),
        source=source,
        change_1d=change(counts, day, 1),
        change_7d=change(counts, day, 7),
        change_30d=change(counts, day, 30),
        growth_pct_7d=growth_pct(counts, day, 7),
        growth_pct_30d=growth_pct(counts, day, 30),
    )


def derive(facts: Iterable[DayFacts]) -> tuple[dict[date, Growth], list[DroppedChain]]:
    """The derived figures of every day in ``facts`` (a pure function of the set of facts)."""
    facts = list(facts)
    counted, dropped = follower_counts(facts)
    counts = {day: c.value for day, c in counted.items()}
    derived = {
        f.day: growth_on(counts, f.day, counted[f.day].source if f.day in counted else None)
        for f in facts
    }
    return derived, dropped
