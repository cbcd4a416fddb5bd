"""When to try a failed sync again (plain function; the handler stores and re-publishes).

Rate limits and quotas wait exactly as long as the platform said (never blocking the consumer:
the request is parked and re-published when due); transient failures back off exponentially;
permission/input errors and dead tokens are not retried — they need a person, not time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.platforms.base import ErrorClass

MAX_ATTEMPTS = 6
BASE_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=2)
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)


def next_attempt(
    error_class: ErrorClass, *, attempt: int, now: datetime, retry_after: float | None
) -> datetime | None:
    """When to retry after the ``attempt``-th failure, or ``None`` for "do not retry"."""
    if error_class is ErrorClass.RATE_LIMITED:
        wait = timedelta(seconds=retry_after) if retry_after else DEFAULT_RATE_LIMIT_WAIT
        return now + wait
    if error_class is ErrorClass.TRANSIENT and attempt < MAX_ATTEMPTS:
        backoff: timedelta = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** (attempt - 1))
        return now + backoff
    return None
