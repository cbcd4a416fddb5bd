"""The pinned calendar of the test suites.

Every test session runs on a :class:`shared.clock.RunningClock` that starts at :data:`PINNED`
(set in ``tests/conftest.py``), and the emulator's metrics day is :data:`TODAY`: dates are the
same whatever the real calendar says, while time still passes for timeouts and token lifetimes.
A test of a boundary (midnight, DST, month or year end) freezes the clock itself with
:func:`frozen_at`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from shared import clock

PINNED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""Noon UTC, so no test session of a few minutes crosses a day boundary."""
TODAY = PINNED.date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[clock.FrozenClock]:
    """The process clock stands at ``moment`` inside the block (move it with ``advance``)."""
    with clock.use(clock.FrozenClock(moment)) as frozen:
        assert isinstance(frozen, clock.FrozenClock)
        yield frozen
