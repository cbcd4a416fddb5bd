"""X's error shapes (problem+json, OAuth, legacy v1.1, refusals inside a 200) → error classes."""

from __future__ import annotations

from typing import Any

import httpx

from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.x.settings import PLATFORM

#: One 15-minute window: the wait when a 429 carries no ``x-rate-limit-reset``.
DEFAULT_RATE_LIMIT_WAIT = 900.0
#: The monthly cap resets with the billing cycle; without a reset header, look again in a day.
DEFAULT_USAGE_CAP_WAIT = 86_400.0
_RESOURCE_REFUSALS = frozenset({"not-authorized-for-resource", "resource-not-found"})


class XApiError(PlatformError):
    """A classified X error that also keeps the problem kind and the parameter values named."""

    def __init__(
        self,
        error_class: ErrorClass,
        message: str,
        *,
        status: int | None = None,
        problem: str | None = None,
        parameters: dict[str, list[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            PLATFORM, error_class, message, status=status, code=problem, retry_after=retry_after
        )
        self.problem = problem
        self.parameters = parameters or {}

    def refused_values(self, parameter: str) -> set[str]:
        """Values of ``parameter`` an ``invalid-request`` named (e.g. a retired field)."""
        if self.problem != "invalid-request":
            return set()
        return set(self.parameters.get(parameter, ()))


def classify(response: httpx.Response, *, now: float) -> XApiError:
    """Map a failed X answer (problem+json, OAuth or legacy v1.1 shape) to an error class."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("error"), str):  # the OAuth endpoints' {"error", "error_description"}
        return _oauth_error(status, body, response, now)
    problem = problem_kind(body)
    message = _message(body) or f"HTTP {status}"
    parameters = _parameters(body)
    if status == 429 or problem in ("usage-capped", "rate-limit-exceeded"):
        default = DEFAULT_USAGE_CAP_WAIT if problem == "usage-capped" else DEFAULT_RATE_LIMIT_WAIT
        return _rate_limited(response, now, message, problem, default)
    if status >= 500:
        kind = ErrorClass.TRANSIENT
    elif status == 401:
        kind = ErrorClass.TOKEN_EXPIRED
    else:
        kind = ErrorClass.PERMISSION_OR_INPUT
    return XApiError(kind, message, status=status, problem=problem, parameters=parameters)


def _oauth_error(
    status: int, body: dict[str, Any], response: httpx.Response, now: float
) -> XApiError:
    error = str(body["error"])
    message = str(body.get("error_description") or error)
    if status == 429:
        return _rate_limited(response, now, message, error, DEFAULT_RATE_LIMIT_WAIT)
    kind = ErrorClass.TRANSIENT if status >= 500 else ErrorClass.PERMISSION_OR_INPUT
    return XApiError(kind, message, status=status, problem=error)


def _rate_limited(
    response: httpx.Response, now: float, message: str, problem: str | None, default: float
) -> XApiError:
    """Rate limited until ``x-rate-limit-reset``, or for ``default`` seconds without one."""
    wait = reset_wait(response, now)
    return XApiError(
        ErrorClass.RATE_LIMITED,
        message,
        status=response.status_code,
        problem=problem,
        retry_after=default if wait is None else wait,
    )


def reset_wait(response: httpx.Response, now: float) -> float | None:
    """Seconds until ``x-rate-limit-reset`` (epoch seconds), never negative."""
    raw = response.headers.get("x-rate-limit-reset")
    try:
        return max(0.0, float(raw) - now) if raw is not None else None
    except ValueError:
        return None


def problem_kind(body: dict[str, Any]) -> str | None:
    """``https://api.x.com/2/problems/usage-capped`` → ``usage-capped`` (either host)."""
    kind = body.get("type")
    if not kind:
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        kind = first.get("type") if isinstance(first, dict) else None
        if kind is None and isinstance(first, dict) and first.get("code") == 88:
            return "rate-limit-exceeded"  # the legacy v1.1 shape
    if not isinstance(kind, str):
        return None
    return kind.rsplit("/problems/", 1)[-1] if "/problems/" in kind else kind


def _message(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    detail = first.get("message") if isinstance(first, dict) else None
    return str(detail or body.get("detail") or body.get("title") or "")


def _parameters(body: dict[str, Any]) -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for entry in body.get("errors") or []:
        parameters = entry.get("parameters") if isinstance(entry, dict) else None
        for name, values in (parameters or {}).items():
            listed = values if isinstance(values, list) else [values]
            for value in listed:  # X sometimes sends "a,b" as one value
                named.setdefault(str(name), []).extend(str(value).split(","))
    return named


def raise_resource_refusal(page: Any) -> None:
    """HTTP 200 with ``errors`` and no ``data``: the user is not visible to this token."""
    if not isinstance(page, dict) or page.get("data") is not None:
        return
    errors = [e for e in page.get("errors") or [] if isinstance(e, dict)]
    kinds = {problem_kind(e) for e in errors}
    if kinds & _RESOURCE_REFUSALS:
        first = errors[0]
        raise XApiError(
            ErrorClass.PERMISSION_OR_INPUT,
            str(first.get("detail") or first.get("title")),
            status=200,
            problem=problem_kind(first),
        )
