"""Turning a platform's daily history into follower counts per day — only where they are known.

Convention: a day's count is the count at the *start* of that day (the daily sync runs at 03:00
UTC), so ``followers(d) = followers(d + 1) - net(d)``, where ``net(d)`` is the change during day
``d`` (gains - losses).

Platforms report history differently: an absolute count per day (Facebook's ``page_follows``),
or only daily changes (Instagram's ``follower_count``, YouTube's subscribersGained/Lost,
LinkedIn's daily follower gains). Counts are rebuilt backwards from the count fetched today; the
chain stops at the first day whose change is unknown (a gap, or a platform's reporting lag) —
before it a count would be a guess, and the product never shows guessed history. An account
whose history starts after the requested window did (a channel younger than the window) started
from zero, so its counts are also summed forwards from that first day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.platforms.base import HistoryPoint


@dataclass(frozen=True)
class BackfillDay:
    day: date
    followers: int | None
    metrics: dict[str, float] = field(default_factory=dict)


def net_change(point: HistoryPoint | None) -> int | None:
    if point is None or (point.followers_gained is None and point.followers_lost is None):
        return None
    return (point.followers_gained or 0) - (point.followers_lost or 0)


def _metrics(point: HistoryPoint) -> dict[str, float]:
    metrics = dict(point.metrics)
    if point.followers_gained is not None:
        metrics["followers_gained"] = float(point.followers_gained)
    if point.followers_lost is not None:
        metrics["followers_lost"] = float(point.followers_lost)
    return metrics


def rebuild(
    history: Sequence[HistoryPoint],
    *,
    today: date,
    followers_today: int | None,
    requested_start: date | None = None,
) -> list[BackfillDay]:
    """One entry per day before ``today`` that the platform reported, oldest first."""
    by_day = {p.day: p for p in history if p.day < today}
    if not by_day:
        return []
    counts = {d: p.followers for d, p in by_day.items() if p.followers is not None}

    if followers_today is not None:  # backwards from today's count
        count, day = followers_today, today - timedelta(days=1)
        while (net := net_change(by_day.get(day))) is not None:
            count -= net
            counts.setdefault(day, count)
            day -= timedelta(days=1)

    first = min(by_day)
    if requested_start is not None and first > requested_start:  # forwards from zero
        count, day = 0, first
        while day in by_day:
            counts.setdefault(day, count)
            net = net_change(by_day[day])
            if net is None:
                break
            count += net
            day += timedelta(days=1)

    return [BackfillDay(d, counts.get(d), _metrics(by_day[d])) for d in sorted(by_day)]
