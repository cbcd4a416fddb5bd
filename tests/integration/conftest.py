"""Fixtures of the integration tests: the five services running in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.databases import KINDS
from tests.support.system import RunningSystem, running_system


@pytest.fixture(scope="module", params=KINDS)
async def system(
    request: pytest.FixtureRequest, kafka: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningSystem]:
    """One running system per database kind; tests use their own client ids."""
    tmp = tmp_path_factory.mktemp(f"system-{request.param}")
    async with running_system(kafka, request.param, tmp) as running:
        yield running
