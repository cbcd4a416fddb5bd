"""The lift at one day and of every completed deliverable, or why there is none.

The formulas are the package's docstring's; nothing is estimated: a missing count excludes the
completion, with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.analytics.domain.program import Deliverable

DEFAULT_DAYS = 14
"""The window ``N``: days before and after the completion."""


class Reason(StrEnum):
    """Why a completion (or a candidate placebo day) has no lift."""

    INCOMPLETE_WINDOW = "incomplete_window"
    """``c + N`` is after today: the after-window is not over yet."""
    MISSING_COUNT = "missing_count"
    """The count of ``c - N``, ``c`` or ``c + N`` is unknown."""
    ZERO_COUNT = "zero_count"
    """The count at the start of a window is 0, so its rate is undefined."""


@dataclass(frozen=True)
class ClientHistory:
    """One client's input: daily follower counts and deliverables."""

    client_id: str
    followers: Mapping[date, int | None]
    """The count at the start of each day (possibly summed over the client's platforms by the
    caller); a day absent or ``None`` is unknown."""
    deliverables: tuple[Deliverable, ...]


@dataclass(frozen=True)
class Lift:
    """The lift at one day, with every number it is made from."""

    day: date
    days: int
    """The window ``N``."""
    start: int
    """count(day - N)"""
    at: int
    """count(day)"""
    end: int
    """count(day + N)"""
    before: int
    after: int
    before_rate: float
    """Percent a day."""
    after_rate: float
    """Percent a day."""
    lift: float
    """Percentage points a day."""


@dataclass(frozen=True)
class NoLift:
    reason: Reason
    days: tuple[date, ...]
    """The days whose count is missing (``MISSING_COUNT``) or 0 (``ZERO_COUNT``); for
    ``INCOMPLETE_WINDOW``, the day ``c + N`` the window still needs."""


@dataclass(frozen=True)
class MilestoneLift:
    client_id: str
    code: str
    lift: Lift


@dataclass(frozen=True)
class Exclusion:
    """A completed deliverable left out of the statistic, and why."""

    client_id: str
    code: str
    completed_on: date
    reason: Reason
    days: tuple[date, ...]


def check_days(days: int) -> None:
    if days < 1:
        raise ValueError(f"the window must be at least 1 day, not {days}")


def lift_at(
    followers: Mapping[date, int | None], day: date, *, today: date, days: int = DEFAULT_DAYS
) -> Lift | NoLift:
    """The lift at ``day`` (see the module's docstring), or why there is none.

    Reasons are checked in this order: the after-window is not over (``day + N > today``), a
    count is unknown, a window-start count is 0 (a negative count, which ``followers.py`` never
    makes, is treated as 0).
    """
    check_days(days)
    span = timedelta(days=days)
    first, last = day - span, day + span
    if last > today:
        return NoLift(Reason.INCOMPLETE_WINDOW, (last,))
    needed = (first, day, last)
    missing = tuple(d for d in needed if followers.get(d) is None)
    if missing:
        return NoLift(Reason.MISSING_COUNT, missing)
    start, at, end = (_known(followers, d) for d in needed)
    zero = tuple(d for d, n in ((first, start), (day, at)) if n <= 0)
    if zero:
        return NoLift(Reason.ZERO_COUNT, zero)
    before, after = at - start, end - at
    before_rate = 100.0 * before / start / days
    after_rate = 100.0 * after / at / days
    return Lift(
        day=day,
        days=days,
        start=start,
        at=at,
        end=end,
        before=before,
        after=after,
        before_rate=before_rate,
        after_rate=after_rate,
        lift=after_rate - before_rate,
    )


def has_lift(followers: Mapping[date, int | None], day: date, *, today: date, days: int) -> bool:
    """Whether ``lift_at`` gives a lift, without making it: every day of a history is tried."""
    span = timedelta(days=days)
    if day + span > today:
        return False
    start, at = followers.get(day - span), followers.get(day)
    return (start is not None and at is not None and followers.get(day + span) is not None) and (
        start > 0 and at > 0
    )


def _known(followers: Mapping[date, int | None], day: date) -> int:
    count = followers.get(day)
    assert count is not None
    return count


def completion_days(client: ClientHistory) -> dict[str, date]:
    """The client's completed deliverables by code; a code twice is an input error."""
    out: dict[str, date] = {}
    seen: set[str] = set()
    for deliverable in client.deliverables:
        if deliverable.code in seen:
            raise ValueError(f"client {client.client_id!r} has {deliverable.code!r} twice")
        seen.add(deliverable.code)
        if deliverable.completed_on is not None:
            out[deliverable.code] = deliverable.completed_on
    return out


def milestone_lifts(
    clients: Iterable[ClientHistory], *, today: date, days: int = DEFAULT_DAYS
) -> tuple[tuple[MilestoneLift, ...], tuple[Exclusion, ...]]:
    """The lift of every completed deliverable, and the completions excluded with their reason.

    Deliverables not completed are not cases and appear in neither.
    """
    check_days(days)
    lifts: list[MilestoneLift] = []
    excluded: list[Exclusion] = []
    for client in clients:
        for code, completed_on in completion_days(client).items():
            result = lift_at(client.followers, completed_on, today=today, days=days)
            if isinstance(result, Lift):
                lifts.append(MilestoneLift(client.client_id, code, result))
            else:
                excluded.append(
                    Exclusion(client.client_id, code, completed_on, result.reason, result.days)
                )
    return tuple(lifts), tuple(excluded)
