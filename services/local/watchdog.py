"""Keeps ``lsa up``'s processes running: notices an exit, waits out the backoff, restarts.

One pass (:meth:`Watchdog.check`) is plain logic over injected process handles, start and
readiness functions and a monotonic ``now``, so it is unit-tested without real processes; a
thread runs it every 0.2 s. Once stopping has begun nothing is restarted: the supervisor stops
the watchdog first and only then the processes, so Ctrl-C is never mistaken for a crash.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Generic, Protocol, TypeVar

from services.local.backoff import RestartBackoff
from services.local.board import ProcessBoard, ProcessState


class Process(Protocol):
    def poll(self) -> int | None: ...


P = TypeVar("P", bound=Process)


class _Phase(Enum):
    UP = auto()
    WAITING = auto()  # exited; restarts at restart_at
    STARTING = auto()  # restarted; not ready yet
    GONE = auto()  # exited for good


@dataclass
class _Child(Generic[P]):
    name: str
    process: P
    start: Callable[[], P] | None
    ready: Callable[[], bool]
    log: str
    up_since: float
    backoff: RestartBackoff = field(default_factory=RestartBackoff)
    phase: _Phase = _Phase.UP
    restart_at: float = 0.0


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class Watchdog(Generic[P]):
    """Restarts the processes it watches; ``on_fatal`` is told when one may not be restarted."""

    def __init__(
        self,
        board: ProcessBoard,
        *,
        say: Callable[[str], None],
        on_fatal: Callable[[str, int], None],
        backoff: Callable[[], RestartBackoff] = RestartBackoff,
    ) -> None:
        self._board = board
        self._say = say
        self._on_fatal = on_fatal
        self._backoff = backoff
        self._children: list[_Child[P]] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(
        self,
        name: str,
        process: P,
        *,
        start: Callable[[], P] | None,
        ready: Callable[[], bool],
        now: float,
        log: str = "",
    ) -> None:
        """Watch ``process``, running and ready at ``now``.

        ``start`` starts a new one, and ``ready`` says when it is ready; with ``start=None``
        the process is never restarted and its exit is fatal.
        """
        self._children.append(_Child(name, process, start, ready, log, now, self._backoff()))
        self._board.mark(name, ProcessState.UP)

    def processes(self) -> list[tuple[str, P]]:
        """The current handle of every process, in the order they were first watched."""
        return [(child.name, child.process) for child in self._children]

    def check(self, now: float) -> None:
        """One pass: notice exits, start the processes whose backoff is over, mark ready ones."""
        for child in self._children:
            if self._stopping.is_set():
                return
            if child.phase in (_Phase.UP, _Phase.STARTING):
                code = child.process.poll()
                if code is not None:
                    self._exited(child, code, now)
            if child.phase is _Phase.WAITING and now >= child.restart_at:
                assert child.start is not None  # only restartable children wait
                child.process = child.start()
                child.phase = _Phase.STARTING
                count = self._board.count_restart(child.name)
                self._say(f"[supervisor] {child.name}: started again (restart {count})")
            if child.phase is _Phase.STARTING and child.ready():
                child.phase = _Phase.UP
                child.up_since = now
                self._board.mark(child.name, ProcessState.UP)
                self._say(f"[supervisor] {child.name}: up again")

    def _exited(self, child: _Child[P], code: int, now: float) -> None:
        how = describe_exit(code)
        where = f" (log: {child.log})" if child.log else ""
        if child.start is None:
            child.phase = _Phase.GONE
            self._board.mark(child.name, ProcessState.DOWN)
            self._say(f"[supervisor] {child.name} exited with {how}{where}")
            self._on_fatal(child.name, code)
            return
        uptime = now - child.up_since if child.phase is _Phase.UP else 0.0
        delay = child.backoff.next_delay(uptime)
        child.phase = _Phase.WAITING
        child.restart_at = now + delay
        self._board.mark(child.name, ProcessState.RESTARTING)
        self._say(f"[supervisor] {child.name} exited with {how}; restarting in {delay:g} s{where}")

    def start(self, interval: float = 0.2) -> None:
        def loop() -> None:
            while not self._stopping.wait(interval):
                self.check(time.monotonic())

        self._thread = threading.Thread(target=loop, name="lsa-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop restarting; returns once no pass is running any more."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
