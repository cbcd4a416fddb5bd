"""Shared runtime state of one emulator instance: settings, clock, faults and the metrics date."""

import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from emulator.faults import FaultStore
from emulator.settings import EmulatorSettings
from emulator.signing import Signer


class EmulatorCore:
    """What every platform needs; one per app so tests never share state.

    ``clock`` is a plain attribute so tests can move time forward (token expiry, refresh age)
    without sleeping.
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.clock: Callable[[], float] = time.time
        self.faults = FaultStore()
        self.signer = Signer(settings.signing_key)
        self._last_now = 0.0

    def now(self) -> float:
        """Wall-clock seconds for token lifetimes (not metrics), strictly increasing.

        Strictly increasing so "issued before the fault" vs "issued after" is never a tie.
        """
        self._last_now = max(self.clock(), self._last_now + 1e-6)
        return self._last_now

    def today(self) -> date:
        """The date metrics are computed for: fixed by settings, else today's UTC date."""
        if self.settings.today is not None:
            return self.settings.today
        return datetime.fromtimestamp(self.clock(), UTC).date()
