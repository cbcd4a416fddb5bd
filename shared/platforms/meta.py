"""Meta Graph API mechanics shared by Instagram and Facebook Pages: errors, usage, shapes."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError, int_or_none
from shared.platforms.http import retry_after_seconds

#: 4 app, 17 user, 32 Page, 341/613 call-rate limits; 80000-80014 Business Use Case throttling
#: (80001 Pages, 80002 Instagram, …), whose wait is in X-Business-Use-Case-Usage.
_RATE_LIMIT_CODES = {4, 17, 32, 341, 613, *range(80000, 80015)}
_TRANSIENT_CODES = {1, 2}
_EXPIRED_SUBCODE = 463
#: Without a hint from Meta, wait this long after a rate-limit answer.
DEFAULT_RATE_LIMIT_WAIT = 300.0
#: Refusals of one object whatever is asked of it: 100/2108006 "Media Posted Before Business
#: Account Conversion" (that post has no insights), 100/33 the object is gone or not visible.
_OBJECT_REFUSALS = frozenset({"100/2108006", "100/33"})


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


def refuses_the_object(error: PlatformError) -> bool:
    """Whether Meta refused the object asked about (one post), not the metrics asked of it:
    nothing is to be learned from it about those metrics for other objects."""
    return error.error_class is ErrorClass.PERMISSION_OR_INPUT and error.code in _OBJECT_REFUSALS


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


# --- Answer shapes -----------------------------------------------------------------------------


def parse_meta_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Meta writes +0000
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def end_time_day(value: Any) -> date | None:
    """Meta dates a daily value by the end of its day (08:00 UTC = midnight Pacific)."""
    moment = parse_meta_time(value)
    return (moment - timedelta(hours=8)).date() if moment else None


def utc_midnight(now: float) -> datetime:
    """Start of the UTC day of ``now``: insights windows end there (whole days only)."""
    return datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def insight_values(body: Any) -> dict[str, int]:
    """``{"data": [{"name", "values": [{"value"}] | "total_value": {"value"}}]}`` → {name: n}."""
    values: dict[str, int] = {}
    for entry in body.get("data", []) if isinstance(body, dict) else []:
        if "total_value" in entry:
            raw = (entry.get("total_value") or {}).get("value")
        else:
            series = entry.get("values") or []
            raw = series[-1].get("value") if series else None
        number = int_or_none(raw)
        if number is not None:
            values[str(entry["name"])] = number
    return values


def daily_insights_query(
    names: Sequence[str], since: int, until: int, **extra: str
) -> dict[str, Any]:
    """The query of a daily ``/insights`` call over ``[since, until)`` (epoch seconds)."""
    return {"metric": ",".join(names), "period": "day", **extra, "since": since, "until": until}


async def cursor_pages(
    fetch: Callable[[dict[str, Any]], Awaitable[Any]], params: dict[str, Any], max_pages: int
) -> AsyncIterator[Any]:
    """Each page of an edge, following ``paging.cursors.after`` while ``paging.next`` is set."""
    for _ in range(max_pages):
        page = await fetch(params)
        yield page
        paging = page.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            return
        params = {**params, "after": after}
