"""How long the supervisor waits before restarting a process that died.

Exponential (1 s, 2 s, 4 s … up to 30 s) so a process that crashes at start-up does not spin,
and back to the first step once a process has stayed up for a while, so one crash a day is
always restarted quickly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RestartBackoff:
    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0
    #: A process that was up at least this long (seconds) starts again from ``initial``.
    reset_after: float = 60.0
    _failures: int = field(default=0, init=False)

    def next_delay(self, uptime: float) -> float:
        """The wait before restarting a process that was up for ``uptime`` seconds."""
        if uptime >= self.reset_after:
            self._failures = 0
        delay = min(self.maximum, self.initial * self.factor**self._failures)
        if delay < self.maximum:  # past the cap the count no longer matters (nor overflows)
            self._failures += 1
        return delay
