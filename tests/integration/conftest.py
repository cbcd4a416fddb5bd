"""Fixtures of the integration tests: the five services running in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.local.broker import free_port, start_broker, stop_process
from tests.support.databases import KINDS
from tests.support.system import RunningSystem, running_system


@pytest.fixture(scope="module", params=KINDS)
async def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningSystem]:
    """One running system per database kind; tests use their own client ids.

    Each system gets a broker of its own: the services' consumer groups have fixed names, and on
    a shared broker the previous system's members (still leaving, or timing out) could trigger
    a rebalance in the middle of this system's tests.
    """
    tmp = tmp_path_factory.mktemp(f"system-{request.param}")
    port = free_port()
    broker = start_broker(port, log=tmp / "broker.log")
    try:
        async with running_system(f"127.0.0.1:{port}", request.param, tmp) as running:
            yield running
    finally:
        stop_process(broker)
