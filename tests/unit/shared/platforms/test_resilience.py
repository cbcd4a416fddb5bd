"""One refused metric must not sink the others; refusals are remembered per account."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.resilience import RefusedMetrics, fetch_metrics


class FakePlatform:
    """Refuses the whole request when it names a retired metric, like Meta's APIs."""

    def __init__(self, retired: set[str], error: ErrorClass = ErrorClass.PERMISSION_OR_INPUT):
        self.retired = retired
        self.error = error
        self.requests: list[list[str]] = []

    async def fetch(self, names: Sequence[str]) -> dict[str, int]:
        self.requests.append(list(names))
        bad = [n for n in names if n in self.retired]
        if bad:
            raise PlatformError(Platform.INSTAGRAM, self.error, f"(#100) {bad[0]} is retired")
        return {name: len(name) for name in names}


async def test_all_metrics_in_one_call_when_none_is_refused() -> None:
    platform = FakePlatform(retired=set())
    values, refused = await fetch_metrics(
        ["reach", "views"], platform.fetch, account="a", memory=RefusedMetrics()
    )
    assert values == {"reach": 5, "views": 5}
    assert refused == []
    assert platform.requests == [["reach", "views"]]


async def test_a_refused_metric_is_isolated_and_remembered() -> None:
    platform, memory = FakePlatform(retired={"impressions"}), RefusedMetrics()
    values, refused = await fetch_metrics(
        ["reach", "impressions", "views"], platform.fetch, account="a", memory=memory
    )
    assert values == {"reach": 5, "views": 5}
    assert refused == ["impressions"]
    assert platform.requests[0] == ["reach", "impressions", "views"]
    assert sorted(map(tuple, platform.requests[1:])) == [("impressions",), ("reach",), ("views",)]

    platform.requests.clear()
    values, refused = await fetch_metrics(
        ["reach", "impressions", "views"], platform.fetch, account="a", memory=memory
    )
    assert platform.requests == [["reach", "views"]]  # not asked again
    assert refused == ["impressions"] and values == {"reach": 5, "views": 5}


async def test_refusals_are_per_account() -> None:
    platform, memory = FakePlatform(retired={"impressions"}), RefusedMetrics()
    await fetch_metrics(["impressions", "reach"], platform.fetch, account="a", memory=memory)
    assert memory.get("a") == {"impressions"}
    assert memory.get("b") == set()


@pytest.mark.parametrize(
    "error", [ErrorClass.RATE_LIMITED, ErrorClass.TRANSIENT, ErrorClass.REAUTH_REQUIRED]
)
async def test_other_errors_are_not_mistaken_for_refusals(error: ErrorClass) -> None:
    platform, memory = FakePlatform(retired={"reach"}, error=error), RefusedMetrics()
    with pytest.raises(PlatformError) as raised:
        await fetch_metrics(["reach", "views"], platform.fetch, account="a", memory=memory)
    assert raised.value.error_class is error
    assert platform.requests == [["reach", "views"]]  # no one-by-one storm
    assert memory.get("a") == set()


async def test_memory_is_bounded() -> None:
    memory = RefusedMetrics(capacity=2)
    for account in ("a", "b", "c"):
        memory.add(account, ["x"])
    assert memory.get("a") == set()  # least recently used went first
    assert memory.get("b") == {"x"} and memory.get("c") == {"x"}
