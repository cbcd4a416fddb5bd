"""Milestone correlation: does follower growth change after a deliverable is completed?

For one completion day ``c`` and a window of ``N`` days (default 14), with ``count(d)`` the
follower count at the start of day ``d`` (see ``followers.py``)::

    before      = count(c) - count(c - N)          followers gained in the N days before
    after       = count(c + N) - count(c)          followers gained in the N days after
    before_rate = 100 * before / count(c - N) / N  percent a day, the client's own baseline
    after_rate  = 100 * after / count(c) / N       percent a day
    lift        = after_rate - before_rate         percentage points a day

Each rate is relative to the count at the start of its own window, so accounts of any size are
comparable, and it is per day, so it reads the same whatever ``N`` is. The lift is a
*difference* of rates, not a ratio: a ratio explodes when the baseline is near zero and flips
sign when the baseline is negative (an account losing followers), while a difference stays
finite and keeps its meaning (+0.5 means half a percent of the account more each day).

Nothing is estimated. The three counts must be known for exactly those days, the after-window
must be over (``c + N <= today``) and the two window-start counts must not be 0; otherwise that
completion is excluded and the reason is reported, never filled in.

Across the portfolio, per deliverable code, the clients' lifts are summarised by their mean and
a 95 % t interval; the same lift measured on *placebo days* — days of the same clients far from
any completion — shows how large the lift is when nothing happened, and the Welch difference
"lift - placebo" shows whether the deliverable's lift exceeds that noise.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.analytics.domain.program import Deliverable
from services.analytics.domain.student_t import t_quantile

DEFAULT_DAYS = 14
"""The window ``N``: days before and after the completion."""

DEFAULT_PLACEBO_PER_CLIENT = 10
"""At most this many placebo days per client."""

CONFIDENCE = 0.95

MIN_N_TO_SHOW_CI = 3
"""Fewest values whose interval is worth showing.

An interval exists from 2 values, but with 1 degree of freedom ``t(0.975, 1) = 12.71``: the
interval is about 9 times as wide as the two values are apart, which says nothing a reader can
use. From 3 values ``t(0.975, 2) = 4.30``.
"""


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


@dataclass(frozen=True)
class Statistic:
    """Mean of ``n`` values with its 95 % t interval (``n - 1`` degrees of freedom)."""

    n: int
    mean: float | None
    """``None`` when ``n == 0``."""
    sd: float | None
    """Sample standard deviation (divisor ``n - 1``); ``None`` when ``n < 2``."""
    ci: tuple[float, float] | None
    """``mean -/+ t(0.975, n - 1) * sd / sqrt(n)``; ``None`` when ``n < 2``."""

    @property
    def ci_to_show(self) -> tuple[float, float] | None:
        """The interval, only from ``MIN_N_TO_SHOW_CI`` values on."""
        return self.ci if self.n >= MIN_N_TO_SHOW_CI else None


@dataclass(frozen=True)
class Difference:
    """Difference of two means with its 95 % Welch interval."""

    estimate: float
    se: float
    df: float | None
    """Welch-Satterthwaite degrees of freedom; ``None`` when neither sample varies (``se == 0``,
    the interval then has zero width)."""
    ci: tuple[float, float]


@dataclass(frozen=True)
class DeliverableCorrelation:
    """The portfolio result of one deliverable code."""

    code: str
    lift: Statistic
    """Over clients: one lift per client."""
    placebo: Statistic
    """Over the same clients that have placebo days: one value per client, the mean of that
    client's placebo lifts."""
    placebo_days: int
    """Placebo days behind ``placebo``, over all its clients."""
    difference: Difference | None
    """``lift.mean - placebo.mean`` by Welch; ``None`` unless both have 2 values or more."""
    lifts: tuple[MilestoneLift, ...]
    clients_without_placebo: tuple[str, ...]
    """Clients in ``lift`` with no placebo day (not in ``placebo``)."""


@dataclass(frozen=True)
class Correlation:
    days: int
    today: date
    deliverables: tuple[DeliverableCorrelation, ...]
    """One per code completed by any client, in natural order (M1, M2, …, M10)."""
    exclusions: tuple[Exclusion, ...]


def _t_quantile(df: float) -> float:
    """The two-sided 95 % quantile of Student's t with ``df`` degrees of freedom."""
    return t_quantile(0.5 + CONFIDENCE / 2, df)


def _check_days(days: int) -> None:
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
    _check_days(days)
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


def _has_lift(followers: Mapping[date, int | None], day: date, *, today: date, days: int) -> bool:
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


def _completions(client: ClientHistory) -> dict[str, date]:
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
    _check_days(days)
    lifts: list[MilestoneLift] = []
    excluded: list[Exclusion] = []
    for client in clients:
        for code, completed_on in _completions(client).items():
            result = lift_at(client.followers, completed_on, today=today, days=days)
            if isinstance(result, Lift):
                lifts.append(MilestoneLift(client.client_id, code, result))
            else:
                excluded.append(
                    Exclusion(client.client_id, code, completed_on, result.reason, result.days)
                )
    return tuple(lifts), tuple(excluded)


def placebo_days(
    client: ClientHistory,
    *,
    today: date,
    days: int = DEFAULT_DAYS,
    per_client: int = DEFAULT_PLACEBO_PER_CLIENT,
) -> tuple[date, ...]:
    """At most ``per_client`` days of the client where nothing was delivered, in date order.

    A day ``p`` is eligible when its lift exists (``lift_at``: known, non-zero counts, window
    over by ``today``) and ``|p - c| >= 2N`` for every completion ``c`` of the client, of any
    code and whether or not that completion has a lift itself. With ``2N`` the placebo's days
    ``p - N .. p + N - 1`` share no day with any completion's ``c - N .. c + N - 1``: a placebo
    at ``c + N`` would measure the completion's own after-window as its baseline.

    The choice is deterministic: of the ``m`` eligible days in date order, all of them when
    ``m <= per_client``, else the middle one of each of ``per_client`` equal slices — the days
    at positions ``((2k + 1) * m) // (2 * per_client)`` for ``k = 0 .. per_client - 1``. So the
    same history always gives the same days, spread over the whole history.
    """
    _check_days(days)
    if per_client < 0:
        raise ValueError(f"per_client must be at least 0, not {per_client}")
    completions = list(_completions(client).values())
    gap = 2 * days
    eligible = [
        day
        for day in sorted(client.followers)
        if all(abs((day - c).days) >= gap for c in completions)
        and _has_lift(client.followers, day, today=today, days=days)
    ]
    m = len(eligible)
    if m <= per_client:
        return tuple(eligible)
    return tuple(eligible[((2 * k + 1) * m) // (2 * per_client)] for k in range(per_client))


def placebo_lifts(
    client: ClientHistory,
    *,
    today: date,
    days: int = DEFAULT_DAYS,
    per_client: int = DEFAULT_PLACEBO_PER_CLIENT,
) -> tuple[Lift, ...]:
    """The lift at each of the client's ``placebo_days``."""
    out: list[Lift] = []
    for day in placebo_days(client, today=today, days=days, per_client=per_client):
        result = lift_at(client.followers, day, today=today, days=days)
        assert isinstance(result, Lift)  # placebo_days keeps only days with a lift
        out.append(result)
    return tuple(out)


def summarize(values: Sequence[float]) -> Statistic:
    """Mean, sample standard deviation and 95 % t interval (``n - 1`` degrees of freedom).

    The interval is ``mean -/+ t(0.975, n - 1) * s / sqrt(n)``: it assumes the values are
    independent (one per client) and that their mean is roughly normal, which the t
    distribution allows for at small ``n``.
    """
    n = len(values)
    if n == 0:
        return Statistic(0, None, None, None)
    mean = statistics.fmean(values)
    if n < 2:
        return Statistic(n, mean, None, None)
    sd = statistics.stdev(values)
    half = _t_quantile(n - 1) * sd / math.sqrt(n)
    return Statistic(n, mean, sd, (mean - half, mean + half))


def welch_difference(a: Sequence[float], b: Sequence[float]) -> Difference | None:
    """``mean(a) - mean(b)`` with its 95 % Welch interval; ``None`` unless both have 2 values.

    ``se = sqrt(s_a^2 / n_a + s_b^2 / n_b)``, and the degrees of freedom are Welch-Satterthwaite's
    ``se^4 / ((s_a^2 / n_a)^2 / (n_a - 1) + (s_b^2 / n_b)^2 / (n_b - 1))``: it does not assume the
    two spreads are equal. It treats the samples as independent. A client's lift and placebo
    lifts are both from one account, so if they go together (positive correlation) an interval
    for the paired difference would be narrower: this one is then on the cautious side.
    """
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    estimate = statistics.fmean(a) - statistics.fmean(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(estimate, 0.0, None, (estimate, estimate))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = _t_quantile(df) * se
    return Difference(estimate, se, df, (estimate - half, estimate + half))


def _code_order(code: str) -> tuple[tuple[str, int], ...]:
    """Natural order: "M2" before "M10"."""
    return tuple(
        (m.group(1), int(m.group(2)) if m.group(2) else -1)
        for m in re.finditer(r"(\D*)(\d*)", code)
    )


@dataclass(frozen=True)
class ClientLifts:
    """One client's share of the correlation: everything that needs its whole history.

    What ``correlation_of`` adds up is small (a few lifts per client), so a caller can keep
    these per client and recompute only the clients whose history changed.
    """

    client_id: str
    today: date
    days: int
    codes: tuple[str, ...]
    """Every code the client completed, lift or not: each is a row of the table."""
    lifts: tuple[MilestoneLift, ...]
    exclusions: tuple[Exclusion, ...]
    placebo: tuple[Lift, ...]
    """The client's ``placebo_lifts``."""


def client_lifts(
    client: ClientHistory,
    *,
    today: date,
    days: int = DEFAULT_DAYS,
    placebo_per_client: int = DEFAULT_PLACEBO_PER_CLIENT,
) -> ClientLifts:
    """The client's milestone lifts, its excluded completions and its placebo lifts."""
    lifts, exclusions = milestone_lifts([client], today=today, days=days)
    return ClientLifts(
        client_id=client.client_id,
        today=today,
        days=days,
        codes=tuple(_completions(client)),
        lifts=lifts,
        exclusions=exclusions,
        placebo=placebo_lifts(client, today=today, days=days, per_client=placebo_per_client),
    )


def correlation_of(parts: Iterable[ClientLifts], *, today: date, days: int) -> Correlation:
    """Per deliverable code: the clients' lifts against the same clients' placebo lifts.

    ``lift`` summarises one lift per client (``milestone_lifts``). ``placebo`` summarises, over
    those same clients, one value per client: the mean of its placebo lifts (``placebo_lifts``).
    Averaging per client first makes each client count once — a client with a long history
    would otherwise outweigh the others, and its placebo days, being the same account, are not
    independent of each other. ``difference`` is ``lift - placebo`` by ``welch_difference``.

    The statistics do not depend on the parts' order (``fmean`` and ``stdev`` are exactly
    rounded); the listings (lifts, exclusions, clients without placebo) follow it.
    """
    _check_days(days)
    parts = list(parts)
    ids = [part.client_id for part in parts]
    if len(set(ids)) != len(ids):
        raise ValueError("each client must appear once")
    for part in parts:
        if (part.today, part.days) != (today, days):
            raise ValueError(
                f"client {part.client_id!r} was computed for {part.today} and {part.days} days,"
                f" not {today} and {days}"
            )
    placebo_by_client = {part.client_id: part.placebo for part in parts}
    lifts = [m for part in parts for m in part.lifts]
    codes = {code for part in parts for code in part.codes}
    results: list[DeliverableCorrelation] = []
    for code in sorted(codes, key=_code_order):
        of_code = tuple(m for m in lifts if m.code == code)
        placebo_means: list[float] = []
        placebo_count = 0
        without: list[str] = []
        for m in of_code:
            placebo = placebo_by_client[m.client_id]
            if not placebo:
                without.append(m.client_id)
                continue
            placebo_means.append(statistics.fmean(p.lift for p in placebo))
            placebo_count += len(placebo)
        lift_values = [m.lift.lift for m in of_code]
        results.append(
            DeliverableCorrelation(
                code=code,
                lift=summarize(lift_values),
                placebo=summarize(placebo_means),
                placebo_days=placebo_count,
                difference=welch_difference(lift_values, placebo_means),
                lifts=of_code,
                clients_without_placebo=tuple(without),
            )
        )
    exclusions = tuple(e for part in parts for e in part.exclusions)
    return Correlation(days, today, tuple(results), exclusions)


def milestone_correlation(
    clients: Iterable[ClientHistory],
    *,
    today: date,
    days: int = DEFAULT_DAYS,
    placebo_per_client: int = DEFAULT_PLACEBO_PER_CLIENT,
) -> Correlation:
    """``correlation_of`` the clients' ``client_lifts``, in the clients' order."""
    clients = list(clients)
    ids = [client.client_id for client in clients]
    if len(set(ids)) != len(ids):
        raise ValueError("each client must appear once")
    parts = [
        client_lifts(client, today=today, days=days, placebo_per_client=placebo_per_client)
        for client in clients
    ]
    return correlation_of(parts, today=today, days=days)
