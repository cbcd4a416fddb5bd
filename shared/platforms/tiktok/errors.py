"""TikTok's error shapes (API envelope, OAuth body, HTTP status) → the five error classes."""

from __future__ import annotations

from typing import Any

import httpx

from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.http import retry_after_seconds
from shared.platforms.tiktok.settings import PLATFORM

DEFAULT_RATE_LIMIT_WAIT = 60.0
"""TikTok counts requests in a one-minute sliding window: without a hint, wait one window."""
_PERMISSION_CODES = {"scope_not_authorized", "scope_permission_missed", "invalid_params"}
_TRANSIENT_OAUTH = {"server_error", "temporarily_unavailable"}


def inspect_envelope(response: httpx.Response) -> PlatformError | None:
    """A 200 whose envelope says ``error.code != "ok"`` is an error (so a transient one is
    retried like a 5xx); OAuth answers may carry ``{"error": "…"}`` in a 200 as well."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and str(error.get("code") or "ok") != "ok":
        return classify_answer(200, body)
    if isinstance(error, str) and error:
        return classify_answer(200, body)
    return None


def classify(response: httpx.Response) -> PlatformError:
    """A failed TikTok answer (non-2xx) → its error class."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    return classify_answer(response.status_code, body, retry_after_seconds(response))


def classify_answer(status: int, body: Any, retry_after: float | None = None) -> PlatformError:
    """Classify by TikTok's error code first, by HTTP status only when the code says nothing.

    API codes: ``access_token_invalid`` → token expired (refresh, then retry once);
    ``rate_limit_exceeded`` → rate limited; ``internal_error`` → transient;
    ``scope_not_authorized`` / ``scope_permission_missed`` / ``invalid_params`` → permission or
    input. OAuth codes: ``invalid_grant`` → reauth (a dead or rotated-away refresh token);
    ``server_error`` / ``temporarily_unavailable`` → transient; the rest → permission or input.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        message = str(error.get("message") or code or f"HTTP {status}")
        kind = _api_kind(code)
    elif isinstance(error, str) and error:
        code, message = error, str(body.get("error_description") or error)
        kind = _oauth_kind(code)
    else:
        code, message, kind = "", f"HTTP {status}", None
    kind = kind or _status_kind(status)
    wait = None
    if kind is ErrorClass.RATE_LIMITED:
        wait = retry_after if retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
    return PlatformError(
        PLATFORM, kind, message, status=status, code=code or None, retry_after=wait
    )


def _api_kind(code: str) -> ErrorClass | None:
    if code == "access_token_invalid":
        return ErrorClass.TOKEN_EXPIRED
    if code == "rate_limit_exceeded":
        return ErrorClass.RATE_LIMITED
    if code == "internal_error":
        return ErrorClass.TRANSIENT
    if code in _PERMISSION_CODES:
        return ErrorClass.PERMISSION_OR_INPUT
    return None


def _oauth_kind(code: str) -> ErrorClass:
    if code == "invalid_grant":
        return ErrorClass.REAUTH_REQUIRED
    if code in _TRANSIENT_OAUTH:
        return ErrorClass.TRANSIENT
    return ErrorClass.PERMISSION_OR_INPUT


def _status_kind(status: int) -> ErrorClass:
    if status == 429:
        return ErrorClass.RATE_LIMITED
    if status >= 500:
        return ErrorClass.TRANSIENT
    if status == 401:
        return ErrorClass.TOKEN_EXPIRED
    return ErrorClass.PERMISSION_OR_INPUT
