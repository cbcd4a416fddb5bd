"""The portfolio table: per deliverable code, the clients' lifts against their placebo lifts,
from each client's share (:class:`ClientLifts`, which a caller can keep per client)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.analytics.domain.correlation.lifts import (
    DEFAULT_DAYS,
    ClientHistory,
    Exclusion,
    Lift,
    MilestoneLift,
    check_days,
    completion_days,
    milestone_lifts,
)
from services.analytics.domain.correlation.placebo import (
    DEFAULT_PLACEBO_PER_CLIENT,
    placebo_lifts,
)
from services.analytics.domain.correlation.stats import (
    Difference,
    Statistic,
    summarize,
    welch_difference,
)


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
        codes=tuple(completion_days(client)),
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
    check_days(days)
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
