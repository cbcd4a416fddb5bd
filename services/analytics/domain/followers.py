"""Follower counts per day from what the platforms state — only where they are known.

A day's count is the count at the *start* of that day (the daily sync runs at 03:00 UTC), so
``count(d + 1) = count(d) + net(d)``, where ``net(d)`` is the change during day ``d``.

What platforms give differs, and only some of it makes totals:

* **observed counts**: the live fetch of a day, or a platform's own daily total (Facebook's
  ``page_follows``; a YouTube channel's creation day, when its count was 0). These anchor
  everything.
* **net changes**: gains *and* losses of a day (YouTube's subscribersGained/Lost). From an
  anchor, counts are chained backwards and forwards through consecutive days whose net change
  is known, and stop at the first day whose change is unknown — a gap, or the platform's
  reporting lag, which a later re-fetch fills.
* **gains only** (Instagram's ``follower_count``, Facebook's follows, LinkedIn's follower
  gains): new followers of the day. Losses are unknown, so these never make totals; they are
  kept as "new followers".

A chain that would go below zero contradicts itself (the platform's changes do not fit the
anchor) and is dropped whole, so the history never shows an impossible number. Where two chains
reach the same day, the one from the nearer anchor wins (a tie goes to the later anchor): the
result depends only on the set of facts, never on the order they arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

ONE_DAY = timedelta(days=1)


class Source(StrEnum):
    OBSERVED = "observed"
    """Stated by the platform for that day (live fetch, or the platform's daily total)."""
    REBUILT = "rebuilt"
    """Chained from an observed count through the platform's daily gains and losses."""


@dataclass(frozen=True)
class DayFacts:
    """What is known of one day of one account."""

    day: date
    observed: int | None = None
    gained: int | None = None
    lost: int | None = None

    @property
    def net(self) -> int | None:
        """The day's change, known only when both its gains and its losses are."""
        if self.gained is None or self.lost is None:
            return None
        return self.gained - self.lost


@dataclass(frozen=True)
class Count:
    value: int
    source: Source
    anchor: date
    """The observed day it was chained from (itself when observed)."""


@dataclass(frozen=True)
class DroppedChain:
    """A chain that went below zero: worth a log line, never a number."""

    anchor: date
    anchor_count: int
    first: date
    last: date
    lowest: int


def _chain(
    by_day: dict[date, DayFacts], anchors: dict[date, int], start: date, step: int
) -> list[tuple[date, int]]:
    """Counts reached from the anchor ``start``, one direction (``step`` -1 or +1)."""
    out: list[tuple[date, int]] = []
    count = anchors[start]
    day = start
    while True:
        if step < 0:
            previous = day - ONE_DAY
            facts = by_day.get(previous)
            if facts is None or previous in anchors or facts.net is None:
                return out
            count -= facts.net
            day = previous
        else:
            following = day + ONE_DAY
            net = by_day[day].net
            if net is None or following not in by_day or following in anchors:
                return out
            count += net
            day = following
        out.append((day, count))


def follower_counts(facts: Iterable[DayFacts]) -> tuple[dict[date, Count], list[DroppedChain]]:
    """Every day whose count is known, and the chains dropped for going below zero."""
    by_day = {f.day: f for f in facts}
    anchors = {d: f.observed for d, f in by_day.items() if f.observed is not None}
    counts = {d: Count(n, Source.OBSERVED, d) for d, n in anchors.items()}
    candidates: dict[date, tuple[int, int, int, date]] = {}
    dropped: list[DroppedChain] = []
    for anchor in sorted(anchors):
        for step in (-1, 1):
            chain = _chain(by_day, anchors, anchor, step)
            if not chain:
                continue
            lowest = min(count for _, count in chain)
            if lowest < 0:
                days = sorted(day for day, _ in chain)
                dropped.append(DroppedChain(anchor, anchors[anchor], days[0], days[-1], lowest))
                continue
            for day, count in chain:
                # Nearest anchor first; on a tie the later anchor (the backwards chain).
                rank = (abs((day - anchor).days), -anchor.toordinal(), count, anchor)
                if day not in candidates or rank < candidates[day]:
                    candidates[day] = rank
    for day, (_, _, count, anchor) in candidates.items():
        counts[day] = Count(count, Source.REBUILT, anchor)
    return counts, dropped
