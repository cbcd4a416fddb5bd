"""The one source of "now" for every component: services, platform clients and the emulator.

Nothing reads the wall clock directly (``datetime.now``, ``date.today``, ``time.time``): it
calls :func:`now`, :func:`today` or :func:`timestamp` here, so a test can pin the date for the
whole process with :func:`use` and get the same outcome whatever the real calendar says.
``time.monotonic`` stays the right tool for measuring durations and timeouts.

A process can also run on another date: ``LSA_CLOCK_OFFSET_SECONDS`` shifts the system clock
by a fixed amount (the end-to-end tests start ``lsa up`` on the pinned day this way, and every
process they spawn inherits the same shift, so they agree to the second).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

OFFSET_ENV = "LSA_CLOCK_OFFSET_SECONDS"


class Clock:
    """Seconds since the epoch (UTC); :meth:`now` and :meth:`today` derive from them."""

    def timestamp(self) -> float:
        raise NotImplementedError

    def now(self) -> datetime:
        """An aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def today(self) -> date:
        """The UTC date."""
        return self.now().date()


class SystemClock(Clock):
    """The operating system's clock, shifted by ``offset`` seconds (0 in production)."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def timestamp(self) -> float:
        return time.time() + self.offset  # the only wall-clock read in the code base


class RunningClock(Clock):
    """Starts at a chosen instant and runs at real speed (monotonic: immune to clock changes).

    The test suites run on one of these, so dates are pinned while timeouts, leases and token
    lifetimes still see time pass.
    """

    def __init__(self, start: datetime) -> None:
        self._start = _aware(start).timestamp()
        self._origin = time.monotonic()

    def timestamp(self) -> float:
        return self._start + (time.monotonic() - self._origin)


class FrozenClock(Clock):
    """Stands still until moved: for tests of boundaries (midnight, DST, month and year ends)."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at).timestamp()

    def timestamp(self) -> float:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at).timestamp()

    def advance(self, delta: timedelta | float) -> None:
        self._at += delta.total_seconds() if isinstance(delta, timedelta) else delta


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("clock instants must carry a time zone")
    return moment


def _from_environment() -> Clock:
    raw = os.environ.get(OFFSET_ENV, "").strip()
    try:
        return SystemClock(float(raw) if raw else 0.0)
    except ValueError as error:
        raise ValueError(f"{OFFSET_ENV} must be a number of seconds, not {raw!r}") from error


_clock: Clock = _from_environment()


def current() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Make ``clock`` the process's clock; returns the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """``clock`` is the process's clock inside the block."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def timestamp() -> float:
    """Seconds since the epoch."""
    return _clock.timestamp()


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _clock.now()


def today() -> date:
    """Today's UTC date."""
    return _clock.today()


def offset_to(moment: datetime) -> float:
    """The :data:`OFFSET_ENV` value that makes a process started now start at ``moment``."""
    return _aware(moment).timestamp() - SystemClock().timestamp()
