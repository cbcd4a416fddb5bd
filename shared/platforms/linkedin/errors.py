"""LinkedIn's error shapes (REST envelope, OAuth body) → the five error classes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared import clock
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.http import retry_after_seconds
from shared.platforms.linkedin.settings import PLATFORM

_VERSION_CODES = {"NONEXISTENT_VERSION", "VERSION_MISSING"}


def seconds_to_utc_midnight(now: datetime | None = None) -> float:
    """LinkedIn's daily limits reset at 00:00 UTC."""
    moment = now or clock.now()
    midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time(), UTC)
    return max(1.0, (midnight - moment).total_seconds())


def classify(response: httpx.Response, now: datetime | None = None) -> PlatformError:
    """Map a failed LinkedIn answer (REST envelope or OAuth shape) to an error class."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("error"), str):
        return _oauth_error(status, body)
    code = str(body.get("code") or "") or None
    label = code or (str(body["serviceErrorCode"]) if "serviceErrorCode" in body else None)
    message = str(body.get("message") or f"HTTP {status}")
    if status == 429:
        wait = retry_after_seconds(response) or seconds_to_utc_midnight(now)
        return PlatformError(
            PLATFORM, ErrorClass.RATE_LIMITED, message, status=status, code=label, retry_after=wait
        )
    if status >= 500:
        return PlatformError(PLATFORM, ErrorClass.TRANSIENT, message, status=status, code=label)
    if status == 401:
        expired = code == "EXPIRED_ACCESS_TOKEN" or "expired" in message.lower()
        kind = ErrorClass.TOKEN_EXPIRED if expired else ErrorClass.REAUTH_REQUIRED
        return PlatformError(PLATFORM, kind, message, status=status, code=label)
    if status == 426 or code in _VERSION_CODES:
        message = (
            f"{message}: the LinkedIn-Version this deployment sends is retired or invalid; "
            "raise LSA_LINKEDIN_API_VERSION to a current YYYYMM version"
        )
    details = body.get("errorDetails")
    if isinstance(details, dict) and details.get("inputErrors"):
        message = f"{message} {details['inputErrors']}"
    return PlatformError(
        PLATFORM, ErrorClass.PERMISSION_OR_INPUT, message, status=status, code=label
    )


def _oauth_error(status: int, body: dict[str, Any]) -> PlatformError:
    """``{"error", "error_description"}`` of www.linkedin.com/oauth/v2/*."""
    error = str(body["error"])
    message = str(body.get("error_description") or error)
    if error == "invalid_grant":  # refresh token expired (365 days) or revoked
        kind = ErrorClass.REAUTH_REQUIRED
    elif status == 429:
        kind = ErrorClass.RATE_LIMITED
    elif status >= 500:
        kind = ErrorClass.TRANSIENT
    else:
        kind = ErrorClass.PERMISSION_OR_INPUT
    retry = seconds_to_utc_midnight() if kind is ErrorClass.RATE_LIMITED else None
    return PlatformError(PLATFORM, kind, message, status=status, code=error, retry_after=retry)
