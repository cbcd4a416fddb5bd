"""Fixtures shared by every test, and the pinned calendar.

Every session runs on a clock pinned at ``tests.support.clock.PINNED`` (it still runs, so
timeouts and token lifetimes see time pass). ``--system-time=ISO`` moves the machine's own clock
there for the whole run (time-machine: ``time.time``, ``datetime.now`` …): ``make test`` runs
the unit suite so at several dates to prove that no outcome depends on the real calendar.

Tests start what they need themselves: the broker (tansu) on a free port for the session, and a
fresh database per test — SQLite, and PostgreSQL on 127.0.0.1:5432 (created and dropped).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from services.local.broker import free_port, start_broker, stop_process
from shared import clock
from tests.support.clock import PINNED
from tests.support.databases import KINDS, temporary_database

_MOVED = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--system-time",
        metavar="ISO",
        help="move the machine's clock to this instant (with its offset) for the whole run",
    )


def pytest_configure(config: pytest.Config) -> None:
    moved = config.getoption("--system-time")
    if moved:
        travel = time_machine.travel(datetime.fromisoformat(moved), tick=True)
        travel.start()
        config.stash[_MOVED] = travel
    clock.set_clock(clock.RunningClock(PINNED))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _MOVED in config.stash:
        config.stash[_MOVED].stop()


def pytest_report_header(config: pytest.Config) -> str:
    moved = config.getoption("--system-time")
    return f"clock: pinned at {PINNED.isoformat()}; system time {moved or 'not moved'}"


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
