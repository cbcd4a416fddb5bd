"""Retry timing per error class, and the daily schedule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.ingestor.domain.retry import MAX_ATTEMPTS, next_attempt
from services.ingestor.domain.schedule import next_run
from shared.platforms.base import ErrorClass

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_rate_limits_wait_exactly_as_long_as_the_platform_said() -> None:
    assert next_attempt(ErrorClass.RATE_LIMITED, attempt=1, now=NOW, retry_after=3600) == NOW + (
        timedelta(hours=1)
    )
    assert next_attempt(ErrorClass.RATE_LIMITED, attempt=9, now=NOW, retry_after=None) is not None


def test_transient_failures_back_off_then_give_up() -> None:
    waits = [
        next_attempt(ErrorClass.TRANSIENT, attempt=a, now=NOW, retry_after=None)
        for a in range(1, MAX_ATTEMPTS)
    ]
    deltas = [w - NOW for w in waits if w is not None]
    assert len(deltas) == MAX_ATTEMPTS - 1
    assert deltas == sorted(deltas) and deltas[0] == timedelta(minutes=1)
    assert (
        next_attempt(ErrorClass.TRANSIENT, attempt=MAX_ATTEMPTS, now=NOW, retry_after=None) is None
    )


@pytest.mark.parametrize(
    "error", [ErrorClass.PERMISSION_OR_INPUT, ErrorClass.REAUTH_REQUIRED, ErrorClass.TOKEN_EXPIRED]
)
def test_what_time_cannot_fix_is_not_retried(error: ErrorClass) -> None:
    assert next_attempt(error, attempt=1, now=NOW, retry_after=10) is None


def test_the_daily_run_is_the_next_three_oclock_utc() -> None:
    at = time(3, 0)
    assert next_run(datetime(2026, 11, 20, 2, 59, tzinfo=UTC), at) == datetime(
        2026, 11, 20, 3, tzinfo=UTC
    )
    assert next_run(datetime(2026, 11, 20, 3, 0, tzinfo=UTC), at) == datetime(
        2026, 11, 21, 3, tzinfo=UTC
    )
