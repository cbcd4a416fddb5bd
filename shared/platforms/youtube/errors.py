"""Google's error shapes (API envelope, OAuth's flat body, bare status) → the five error classes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from shared import clock
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.http import retry_after_seconds
from shared.platforms.youtube.settings import PACIFIC, PLATFORM

#: Wait after a per-minute rate limit without ``Retry-After``: Google's windows are a minute.
DEFAULT_RATE_LIMIT_WAIT = 60.0
_DAILY_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_TRANSIENT_REASONS = frozenset({"backendError", "internalError"})


def seconds_until_pacific_midnight(now: datetime) -> float:
    """When YouTube's quota resets: the next midnight in America/Los_Angeles (DST-aware)."""
    local = now.astimezone(PACIFIC)
    tomorrow = local.date() + timedelta(days=1)
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC)
    return max(0.0, (midnight - now).total_seconds())


def classify(
    response: httpx.Response,
    *,
    now: datetime | None = None,
    default_wait: float = DEFAULT_RATE_LIMIT_WAIT,
) -> PlatformError:
    """Map a failed Google answer (API envelope or OAuth's flat shape) to an error class."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return _api_error(response, error, now or clock.now(), default_wait)
    if isinstance(error, str):
        description = str(body.get("error_description") or error)
        return _oauth_error(response.status_code, error, description)
    return _status_error(response, default_wait)


def _api_error(
    response: httpx.Response, error: dict[str, Any], now: datetime, default_wait: float
) -> PlatformError:
    status = response.status_code
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = str(first.get("reason") or error.get("status") or "")
    message = str(error.get("message") or first.get("message") or f"HTTP {status}")

    def make(kind: ErrorClass, retry_after: float | None = None) -> PlatformError:
        return PlatformError(
            PLATFORM, kind, message, status=status, code=reason or None, retry_after=retry_after
        )

    if reason in _DAILY_REASONS:
        return make(ErrorClass.RATE_LIMITED, seconds_until_pacific_midnight(now))
    if reason in _RATE_REASONS or status == 429 or error.get("status") == "RESOURCE_EXHAUSTED":
        return make(ErrorClass.RATE_LIMITED, retry_after_seconds(response) or default_wait)
    if status == 401:
        return make(ErrorClass.TOKEN_EXPIRED)
    if status >= 500 or reason in _TRANSIENT_REASONS:
        return make(ErrorClass.TRANSIENT)
    return make(ErrorClass.PERMISSION_OR_INPUT)


def _oauth_error(status: int, error: str, description: str) -> PlatformError:
    """Token/revoke endpoints: ``invalid_grant`` means the grant is dead (reconnect)."""
    if error == "invalid_grant":
        kind = ErrorClass.REAUTH_REQUIRED
    elif status >= 500:
        kind = ErrorClass.TRANSIENT
    elif status == 429:
        kind = ErrorClass.RATE_LIMITED
    else:
        kind = ErrorClass.PERMISSION_OR_INPUT
    retry = DEFAULT_RATE_LIMIT_WAIT if kind is ErrorClass.RATE_LIMITED else None
    return PlatformError(PLATFORM, kind, description, status=status, code=error, retry_after=retry)


def _status_error(response: httpx.Response, default_wait: float) -> PlatformError:
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response) or default_wait
        return PlatformError(
            PLATFORM, ErrorClass.RATE_LIMITED, "too many requests", status=status, retry_after=wait
        )
    if status >= 500:
        return PlatformError(PLATFORM, ErrorClass.TRANSIENT, f"HTTP {status}", status=status)
    if status == 401:
        return PlatformError(PLATFORM, ErrorClass.TOKEN_EXPIRED, "unauthorized", status=status)
    return PlatformError(PLATFORM, ErrorClass.PERMISSION_OR_INPUT, f"HTTP {status}", status=status)
