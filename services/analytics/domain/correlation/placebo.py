"""Placebo days: days of a client far from any completion, whose lift shows the noise."""

from __future__ import annotations

from datetime import date

from services.analytics.domain.correlation.lifts import (
    DEFAULT_DAYS,
    ClientHistory,
    Lift,
    check_days,
    completion_days,
    has_lift,
    lift_at,
)

DEFAULT_PLACEBO_PER_CLIENT = 10
"""At most this many placebo days per client."""


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
    check_days(days)
    if per_client < 0:
        raise ValueError(f"per_client must be at least 0, not {per_client}")
    completions = list(completion_days(client).values())
    gap = 2 * days
    eligible = [
        day
        for day in sorted(client.followers)
        if all(abs((day - c).days) >= gap for c in completions)
        and has_lift(client.followers, day, today=today, days=days)
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
