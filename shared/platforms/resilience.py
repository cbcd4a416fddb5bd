"""Metric-deprecation resilience: one refused metric must not sink the others.

Platforms retire metrics (Meta retired ``impressions``, ``plays``, ``video_views`` in 2025) and
several of them then fail the *whole* request that named one. So metrics are asked for together
(one call), and if the platform refuses the request as a whole, one by one; whatever it still
refuses is recorded — per account, so the next sync does not ask again — and reported in the
snapshot's ``missing_metrics`` instead of silently turning into zeros.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from shared.platforms.base import ErrorClass, PlatformError

T = TypeVar("T")
Fetch = Callable[[Sequence[str]], Awaitable[dict[str, T]]]


class RefusedMetrics:
    """Remembers, per account, which metrics the platform refused (bounded, least-recent out)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._refused: OrderedDict[str, set[str]] = OrderedDict()

    def get(self, account: str) -> set[str]:
        found = self._refused.get(account)
        if found is None:
            return set()
        self._refused.move_to_end(account)
        return found

    def add(self, account: str, metrics: Sequence[str]) -> None:
        if not metrics:
            return
        self._refused.setdefault(account, set()).update(metrics)
        self._refused.move_to_end(account)
        while len(self._refused) > self._capacity:
            self._refused.popitem(last=False)


async def fetch_metrics(
    names: Sequence[str],
    fetch: Fetch[T],
    *,
    account: str,
    memory: RefusedMetrics,
) -> tuple[dict[str, T], list[str]]:
    """Values for ``names`` and the names refused (known refusals are not asked again)."""
    known = memory.get(account)
    wanted = [n for n in names if n not in known]
    refused = [n for n in names if n in known]
    if not wanted:
        return {}, refused
    try:
        return await fetch(wanted), refused
    except PlatformError as error:
        if error.error_class is not ErrorClass.PERMISSION_OR_INPUT:
            raise
        if len(wanted) == 1:
            memory.add(account, wanted)
            return {}, refused + wanted
    # Refused as a whole: ask one by one to find the culprit(s).
    values: dict[str, T] = {}
    for name in wanted:
        try:
            values.update(await fetch([name]))
        except PlatformError as error:
            if error.error_class is not ErrorClass.PERMISSION_OR_INPUT:
                raise
            refused.append(name)
            memory.add(account, [name])
    return values, refused
