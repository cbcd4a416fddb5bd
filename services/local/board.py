"""What the supervisor knows about its processes, shared with the gateway inside ``lsa up``.

The supervisor's watchdog thread writes it and the gateway's ``/healthz`` reads it, so the
gateway can say that a service is being restarted rather than merely unreachable.
"""

from __future__ import annotations

import threading
from enum import StrEnum


class ProcessState(StrEnum):
    UP = "up"
    #: It exited unexpectedly; the supervisor waits out the backoff or waits for it to be ready.
    RESTARTING = "restarting"
    #: It exited and will not be restarted (the broker, or during shutdown).
    DOWN = "down"


class ProcessBoard:
    """Thread-safe state and restart count per supervised process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ProcessState] = {}
        self._restarts: dict[str, int] = {}

    def mark(self, name: str, state: ProcessState) -> None:
        with self._lock:
            self._states[name] = state
            self._restarts.setdefault(name, 0)

    def count_restart(self, name: str) -> int:
        """Record one more restart of ``name``; returns how many there have been."""
        with self._lock:
            self._restarts[name] = self._restarts.get(name, 0) + 1
            return self._restarts[name]

    def state(self, name: str) -> ProcessState | None:
        with self._lock:
            return self._states.get(name)

    def restarts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._restarts)
