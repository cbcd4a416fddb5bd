"""Days with no follower count, reported as gaps — never filled in.

A daily series maps each day to the account's follower count at the start of that day, or to
``None`` when analytics knows no count for it (a day missing from the mapping is unknown too).
Every figure built on a series reads counts of exact days; when one is missing it reports the
gap, and may offer the nearest known days on each side, clearly labelled as such ("no count on
Nov 3; nearest known Nov 2"), so a reader can see where the truth stops. Nothing here ever
interpolates a count.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)

DailyCounts = Mapping[date, int | None]
"""One account's followers at the start of each day; ``None`` or absent = unknown."""


@dataclass(frozen=True)
class DayRange:
    """The days ``first`` to ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"range ends ({self.last}) before it starts ({self.first})")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class KnownDay:
    day: date
    followers: int


@dataclass(frozen=True)
class Bounds:
    """The nearest days with a known count around a day that has none (labels, not figures)."""

    missing: date
    before: KnownDay | None
    after: KnownDay | None


def days_of(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included (nothing when ``last < first``)."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def known(counts: DailyCounts) -> dict[date, int]:
    """Only the days whose count is known."""
    return {day: n for day, n in counts.items() if n is not None}


def gaps(counts: DailyCounts, first: date, last: date) -> tuple[DayRange, ...]:
    """The runs of consecutive days in ``[first, last]`` with no known count, oldest first.

    Raises ``ValueError`` when ``last < first``: an empty range is a caller's mistake, not data.
    """
    DayRange(first, last)  # validates the range
    runs: list[DayRange] = []
    start: date | None = None
    for day in days_of(first, last):
        if counts.get(day) is None:
            start = day if start is None else start
        elif start is not None:
            runs.append(DayRange(start, day - ONE_DAY))
            start = None
    if start is not None:
        runs.append(DayRange(start, last))
    return tuple(runs)


def bounds(counts: DailyCounts, missing: date) -> Bounds:
    """The nearest known days strictly before and strictly after ``missing``, in the series."""
    days = known(counts)
    before = max((d for d in days if d < missing), default=None)
    after = min((d for d in days if d > missing), default=None)
    return Bounds(
        missing=missing,
        before=None if before is None else KnownDay(before, days[before]),
        after=None if after is None else KnownDay(after, days[after]),
    )
