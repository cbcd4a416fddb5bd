"""Followers across a client's accounts (platforms): a day's total only when every count is known.

The total of a day is the sum of every included account's count that day. If any account has
no count that day the total is ``None`` and the day lists which accounts are missing — a total
over some of the accounts would look like a loss. Feed ``total_counts`` to
``range_growth.growth_between`` for growth across platforms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.analytics.domain.ranges import DailyCounts, DayRange, days_of


@dataclass(frozen=True)
class DayTotal:
    day: date
    total: int | None
    """Sum over every account; None when any is missing."""
    missing: tuple[str, ...]
    """The accounts with no count that day, sorted."""


def daily_totals(
    accounts: Mapping[str, DailyCounts], start: date, end: date
) -> tuple[DayTotal, ...]:
    """One ``DayTotal`` per day of ``[start, end]``, keyed by account (e.g. connection id).

    With no accounts there is nothing to add up: the answer is empty. ``ValueError`` when
    ``end < start``.
    """
    DayRange(start, end)  # validates the range
    if not accounts:
        return ()
    out: list[DayTotal] = []
    for day in days_of(start, end):
        values = {name: counts.get(day) for name, counts in accounts.items()}
        missing = tuple(sorted(name for name, n in values.items() if n is None))
        total = None if missing else sum(n for n in values.values() if n is not None)
        out.append(DayTotal(day, total, missing))
    return tuple(out)


def total_counts(totals: tuple[DayTotal, ...]) -> dict[date, int | None]:
    """The totals as a daily series (for ``growth_between``)."""
    return {t.day: t.total for t in totals}
