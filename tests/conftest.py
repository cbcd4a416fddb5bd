"""Fixtures shared by the integration and end-to-end tests.

Tests start what they need themselves: the broker (tansu) on a free port for the session, and a
fresh database per test — SQLite, and PostgreSQL on 127.0.0.1:5432 (created and dropped).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.local.broker import free_port, start_broker, stop_process
from tests.support.databases import KINDS, temporary_database


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a real Kafka-compatible broker, started for this test session."""
    port = free_port()
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    process = start_broker(port, log=log)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(process)


@pytest.fixture(params=KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def database_url(database_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    async with temporary_database(database_kind, tmp_path) as url:
        yield url
