"""A coaching program's results: start versus now, and the followers won per deliverable.

Counts are the daily series' (the count at the start of each day), read on exact days.

**Start versus now** ("5,000 -> 15,234, +204%"): the start count is the program's start day,
or — only when the start predates the whole history — the first day on or after it with a
known count, and the result says so (``start_substituted``). A start day inside the history
with no count gives no answer (with its bounds), never a neighbour's count. "Now" is the latest
day up to ``today`` with a known count (``now_day`` says which). Percent is
``100 * change / start count`` (None from 0), raw and rounded to a whole number, halves away
from zero (204.68 -> 205).

**Per deliverable**: the completed deliverables in order of completion; each one's window runs
from the previous completion (the program's start for the first) to its own completion, and
its gain is ``count(completion) - count(window start)`` exactly, else None with the gaps
(``range_growth.growth_between``). Counts being at the start of each day, the completion day's
own gains fall in the next window, so every day's gains are in exactly one window. The gain in
the N days after a completion is ``count(completion + N) - count(completion)``, None until
``completion + N`` has come.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.analytics.domain.range_growth import RangeGrowth, growth_between
from services.analytics.domain.ranges import Bounds, DailyCounts, DayRange, bounds, known

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Program:
    start: date
    end: date
    goal: int | None
    """Followers the program aims at; None when it has no follower goal."""
    timezone: str
    """The client's IANA time zone (e.g. ``Europe/Berlin``)."""

    def __post_init__(self) -> None:
        DayRange(self.start, self.end)  # validates the dates


@dataclass(frozen=True)
class Deliverable:
    code: str
    """Short code, e.g. ``M1``."""
    title: str
    due_on: date
    completed_on: date | None = None


@dataclass(frozen=True)
class StartVsNow:
    start_day: date | None
    """The day the start count is read on; None when there is none."""
    start_substituted: bool
    """True when ``start_day`` is not the program's start (the start predates the history)."""
    start_count: int | None
    start_bounds: Bounds | None
    """Nearest known days around the program's start, when its count is missing in the history."""
    now_day: date | None
    now_count: int | None
    change: int | None
    percent: float | None
    """Unrounded; None when the change is unknown or the start count is 0."""
    percent_rounded: int | None
    """``percent`` to a whole number, halves away from zero."""


@dataclass(frozen=True)
class DeliverableGain:
    deliverable: Deliverable
    window: RangeGrowth | None
    """From the previous completion (or program start) to this one; None when this deliverable
    was completed before the program started (it has no window)."""
    after: RangeGrowth | None
    """The ``after_days`` days from completion; None while they have not all passed."""

    def label(self) -> str:
        """E.g. ``"M1 Complete (Dec 1): +500 followers"``, or ``"...: no count"`` when unknown."""
        done = self.deliverable.completed_on
        assert done is not None
        head = f"{self.deliverable.code} Complete ({MONTHS[done.month - 1]} {done.day})"
        change = None if self.window is None else self.window.change
        if change is None:
            return f"{head}: no count"
        return f"{head}: {change:+,} follower{'' if abs(change) == 1 else 's'}"


def round_half_away(value: float) -> int:
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def start_vs_now(counts: DailyCounts, program: Program, today: date) -> StartVsNow:
    """The program's start count beside the latest one (only days up to ``today`` count)."""
    days = {d: n for d, n in known(counts).items() if d <= today}
    now_day = max(days, default=None)
    start_day: date | None = program.start
    start_bounds = None
    substituted = False
    if program.start > today:
        start_day = None  # not started yet: nothing to compare
    elif program.start not in days:
        if any(d < program.start for d in days):
            start_day, start_bounds = None, bounds(days, program.start)
        else:
            start_day = min((d for d in days if d >= program.start), default=None)
            substituted = start_day is not None
    start_count = None if start_day is None else days.get(start_day)
    now_count = None if now_day is None else days[now_day]
    change = None if start_count is None or now_count is None else now_count - start_count
    percent = None if change is None or not start_count else 100.0 * change / start_count
    return StartVsNow(
        start_day=start_day,
        start_substituted=substituted,
        start_count=start_count,
        start_bounds=start_bounds,
        now_day=now_day,
        now_count=now_count,
        change=change,
        percent=percent,
        percent_rounded=None if percent is None else round_half_away(percent),
    )


def deliverable_gains(
    counts: DailyCounts,
    program: Program,
    deliverables: Iterable[Deliverable],
    today: date,
    after_days: int = 7,
) -> tuple[DeliverableGain, ...]:
    """The completed deliverables by completion day (then code), each with its gains."""
    if after_days < 0:
        raise ValueError(f"after_days {after_days}")
    done = sorted(
        (d for d in deliverables if d.completed_on is not None),
        key=lambda d: (d.completed_on, d.code),
    )
    out: list[DeliverableGain] = []
    previous = program.start
    for deliverable in done:
        completed = deliverable.completed_on
        assert completed is not None
        window = None
        if completed >= program.start:
            window = growth_between(counts, previous, completed)
            previous = completed
        later = completed + timedelta(days=after_days)
        after = growth_between(counts, completed, later) if later <= today else None
        out.append(DeliverableGain(deliverable, window, after))
    return tuple(out)
