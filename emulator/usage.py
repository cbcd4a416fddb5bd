"""Counter-based app usage percentages, as Meta reports in ``X-App-Usage``."""

import orjson

APP_CALLS_PER_HOUR = 50_000
"""Budget behind the percentages: high so benchmarks do not throttle themselves by accident."""


class UsageMeter:
    """Counts calls in the current clock hour and turns them into Meta-style percentages."""

    def __init__(self, calls_per_hour: int = APP_CALLS_PER_HOUR) -> None:
        self._calls_per_hour = calls_per_hour
        self._window = -1
        self._count = 0

    def record(self, now: float) -> dict[str, int]:
        """Count one call and return the usage after it."""
        window = int(now // 3600)
        if window != self._window:
            self._window, self._count = window, 0
        self._count += 1
        pct = min(100, self._count * 100 // self._calls_per_hour)
        return {"call_count": pct, "total_cputime": pct // 2, "total_time": pct // 2}

    @staticmethod
    def header(usage: dict[str, int]) -> str:
        """Compact JSON exactly like Meta's header value (``{"call_count":0,…}``)."""
        return orjson.dumps(usage).decode("ascii")


EXHAUSTED: dict[str, int] = {"call_count": 100, "total_cputime": 100, "total_time": 100}
"""Usage reported with a rate-limit error."""
