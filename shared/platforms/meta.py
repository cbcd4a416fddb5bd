"""Meta Graph API error semantics, shared by Instagram and Facebook Pages."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.http import retry_after_seconds

#: 4 app, 17 user, 32 Page, 341/613 call-rate limits; 80000–80014 Business Use Case throttling
#: (80001 Pages, 80002 Instagram, …), whose wait is in X-Business-Use-Case-Usage.
_RATE_LIMIT_CODES = {4, 17, 32, 341, 613, *range(80000, 80015)}
_TRANSIENT_CODES = {1, 2}
_EXPIRED_SUBCODE = 463
#: Without a hint from Meta, wait this long after a rate-limit answer.
DEFAULT_RATE_LIMIT_WAIT = 300.0


def _regain_access_seconds(response: httpx.Response) -> float | None:
    """``X-Business-Use-Case-Usage`` says, in minutes, when access comes back."""
    raw = response.headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage: Any = json.loads(raw)
        minutes = [
            float(entry.get("estimated_time_to_regain_access") or 0)
            for entries in usage.values()
            for entry in entries
            if isinstance(entry, dict)
        ]
    except (AttributeError, TypeError, ValueError):
        return None  # an undocumented shape: fall back to the default wait
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def classify(platform: Platform, response: httpx.Response) -> PlatformError:
    """Map a failed Graph API answer to an error class (codes per Meta's documentation)."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = int(error.get("code") or 0)
        subcode = int(error.get("error_subcode") or 0)
        message = str(error.get("message") or "")
        label = f"{code}/{subcode}" if subcode else str(code)
        if code == 190:
            kind = (
                ErrorClass.TOKEN_EXPIRED
                if subcode == _EXPIRED_SUBCODE
                else ErrorClass.REAUTH_REQUIRED
            )
            return PlatformError(platform, kind, message, status=status, code=label)
        if code in _RATE_LIMIT_CODES:
            wait = retry_after_seconds(response) or _regain_access_seconds(response)
            return PlatformError(
                platform,
                ErrorClass.RATE_LIMITED,
                message,
                status=status,
                code=label,
                retry_after=wait or DEFAULT_RATE_LIMIT_WAIT,
            )
        if code in _TRANSIENT_CODES or status >= 500:
            return PlatformError(platform, ErrorClass.TRANSIENT, message, status=status, code=label)
        return PlatformError(
            platform, ErrorClass.PERMISSION_OR_INPUT, message, status=status, code=label
        )
    # Instagram's token endpoint answers in a flat shape of its own.
    if isinstance(body, dict) and "error_type" in body:
        message = str(body.get("error_message") or body.get("error_type"))
        return PlatformError(
            platform,
            ErrorClass.PERMISSION_OR_INPUT,
            message,
            status=status,
            code=str(body.get("code")),
        )
    if status == 429:
        return PlatformError(
            platform,
            ErrorClass.RATE_LIMITED,
            "too many requests",
            status=status,
            retry_after=retry_after_seconds(response) or DEFAULT_RATE_LIMIT_WAIT,
        )
    if status >= 500:
        return PlatformError(platform, ErrorClass.TRANSIENT, f"HTTP {status}", status=status)
    if status == 401:
        return PlatformError(platform, ErrorClass.REAUTH_REQUIRED, "unauthorized", status=status)
    return PlatformError(platform, ErrorClass.PERMISSION_OR_INPUT, f"HTTP {status}", status=status)


class MetaUsage:
    """Meta's usage headers, read on every answer, so we stop *before* Meta blocks the app.

    ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` report percentages of the app's and the
    account's budgets. Past ``threshold`` percent, further calls are refused locally as rate
    limited (with Meta's own estimate of when access returns, or a default) instead of being
    sent and pushing the app into a much longer block.
    """

    def __init__(
        self,
        platform: Platform,
        *,
        threshold: float = 95.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platform = platform
        self.threshold = threshold
        self.clock = clock
        self.percent = 0.0
        #: While blocked, no request is sent; afterwards one goes out and its headers decide.
        self.blocked_until = 0.0

    def observe(self, response: httpx.Response) -> None:
        readings = _percentages(response.headers.get("x-app-usage"))
        readings += _business_percentages(response.headers.get("x-business-use-case-usage"))
        if not readings:
            return
        self.percent = max(readings)
        if self.percent >= self.threshold:
            wait = _regain_access_seconds(response) or DEFAULT_RATE_LIMIT_WAIT
            self.blocked_until = self.clock() + wait

    def gate(self) -> None:
        remaining = self.blocked_until - self.clock()
        if remaining > 0:
            raise PlatformError(
                self.platform,
                ErrorClass.RATE_LIMITED,
                f"usage at {self.percent:.0f}% of Meta's budget; pausing before Meta blocks us",
                retry_after=remaining,
            )


def _percentages(raw: str | None) -> list[float]:
    try:
        usage = json.loads(raw) if raw else {}
        return [float(usage.get(k) or 0) for k in ("call_count", "total_cputime", "total_time")]
    except (AttributeError, TypeError, ValueError):
        return []


def _business_percentages(raw: str | None) -> list[float]:
    try:
        usage: Any = json.loads(raw) if raw else {}
        return [
            float(entry.get(k) or 0)
            for entries in usage.values()
            for entry in entries
            if isinstance(entry, dict)
            for k in ("call_count", "total_cputime", "total_time")
        ]
    except (AttributeError, TypeError, ValueError):
        return []
