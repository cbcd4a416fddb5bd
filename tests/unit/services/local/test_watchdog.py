"""The watchdog's restart logic, one pass at a time, with fake processes and a hand-set clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from services.local.board import ProcessBoard, ProcessState
from services.local.watchdog import Watchdog, describe_exit


@dataclass
class FakeProcess:
    code: int | None = None

    def poll(self) -> int | None:
        return self.code


@dataclass
class Harness:
    board: ProcessBoard = field(default_factory=ProcessBoard)
    said: list[str] = field(default_factory=list)
    fatal: list[tuple[str, int]] = field(default_factory=list)
    started: list[FakeProcess] = field(default_factory=list)
    ready: bool = False

    def watchdog(self) -> Watchdog[FakeProcess]:
        return Watchdog(
            self.board,
            say=self.said.append,
            on_fatal=lambda name, code: self.fatal.append((name, code)),
        )

    def start(self) -> FakeProcess:
        process = FakeProcess()
        self.started.append(process)
        return process


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_a_dead_service_is_restarted_after_the_backoff_and_marked_up_once_ready(
    harness: Harness,
) -> None:
    first = FakeProcess()
    watchdog = harness.watchdog()
    watchdog.watch(
        "analytics", first, start=harness.start, ready=lambda: harness.ready, now=0, log="a.log"
    )
    assert harness.board.state("analytics") is ProcessState.UP

    first.code = -9
    watchdog.check(now=100.0)
    assert harness.board.state("analytics") is ProcessState.RESTARTING
    assert harness.said == [
        "[supervisor] analytics exited with signal SIGKILL; restarting in 1 s (log: a.log)"
    ]
    watchdog.check(now=100.9)  # the backoff (1 s) is not over yet
    assert harness.started == []

    watchdog.check(now=101.0)
    assert len(harness.started) == 1
    assert harness.board.restarts() == {"analytics": 1}
    assert harness.board.state("analytics") is ProcessState.RESTARTING  # started, not ready
    harness.ready = True
    watchdog.check(now=103.0)
    assert harness.board.state("analytics") is ProcessState.UP
    assert watchdog.processes() == [("analytics", harness.started[0])]
    assert harness.said[-2:] == [
        "[supervisor] analytics: started again (restart 1)",
        "[supervisor] analytics: up again",
    ]


def test_a_process_that_dies_before_it_is_ready_backs_off_longer(harness: Harness) -> None:
    watchdog = harness.watchdog()
    process = FakeProcess(code=1)
    watchdog.watch("ingestor", process, start=harness.start, ready=lambda: False, now=0)
    watchdog.check(now=10)  # exit 1: restart at 11
    watchdog.check(now=11)
    harness.started[-1].code = 1  # the new one crashes too, before it was ever ready
    watchdog.check(now=11.5)  # restart at 11.5 + 2
    watchdog.check(now=13.4)
    assert len(harness.started) == 1
    watchdog.check(now=13.5)
    assert len(harness.started) == 2
    assert "ingestor exited with exit code 1; restarting in 2 s" in harness.said[-2]


def test_a_process_whose_exit_is_fatal_is_not_restarted(harness: Harness) -> None:
    watchdog = harness.watchdog()
    broker = FakeProcess()
    watchdog.watch("broker", broker, start=None, ready=lambda: True, now=0)
    broker.code = 1
    watchdog.check(now=5)
    watchdog.check(now=60)
    assert harness.fatal == [("broker", 1)]
    assert harness.board.state("broker") is ProcessState.DOWN
    assert harness.started == []


def test_nothing_is_restarted_once_stopping_has_begun(harness: Harness) -> None:
    watchdog = harness.watchdog()
    process = FakeProcess()
    watchdog.watch("connector", process, start=harness.start, ready=lambda: True, now=0)
    process.code = 0
    watchdog.check(now=1)
    watchdog.stop()  # never started: returns at once
    watchdog.check(now=100)
    assert harness.started == []
    assert watchdog.processes() == [("connector", process)]


@pytest.mark.parametrize(
    ("code", "text"),
    [(0, "exit code 0"), (3, "exit code 3"), (-9, "signal SIGKILL"), (-15, "signal SIGTERM")],
)
def test_an_exit_is_described_by_code_or_signal(code: int, text: str) -> None:
    assert describe_exit(code) == text
