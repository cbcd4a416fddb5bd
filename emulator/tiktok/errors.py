"""TikTok error shapes: the v2 API envelope and the OAuth endpoints' own shape.

API answers always carry ``{"data": …, "error": {"code", "message", "log_id"}}`` — ``code`` is
``"ok"`` on success. OAuth endpoints answer ``{"error", "error_description", "log_id"}``; they
have been seen answering HTTP 200 with such a body, which is what the emulator does.
"""

import math
import secrets
from datetime import UTC, datetime

from emulator.core import FastJSONResponse

OAUTH_ERROR_STATUS = 200
"""TikTok's token endpoint reports OAuth errors in the body of an HTTP 200 (clients check both)."""


_stamp: tuple[float, str] = (math.nan, "")  # NaN equals no second
"""The last second :func:`log_id` formatted, and its text (every answer carries one)."""


def _utc_stamp(now: float) -> str:
    global _stamp  # a one-entry cache
    second = now // 1
    if now - second >= 0.999:  # so close to the next second that rounding counts
        return datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%S")
    known, text = _stamp
    if second != known:
        text = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%S")
        _stamp = (second, text)
    return text


def log_id(now: float) -> str:
    """``20261120143005`` + 20 hex digits, like TikTok's log ids (random: one per response)."""
    return _utc_stamp(now) + secrets.token_hex(10).upper()


def ok(now: float) -> dict[str, str]:
    """The error object of a successful answer."""
    return {"code": "ok", "message": "", "log_id": log_id(now)}


class ApiError(Exception):
    """A v2 API error (``access_token_invalid``, ``invalid_params``, …)."""

    def __init__(
        self, code: str, message: str, status: int, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}

    def response(self, now: float) -> FastJSONResponse:
        body = {
            "data": {},
            "error": {"code": self.code, "message": self.message, "log_id": log_id(now)},
        }
        return FastJSONResponse(body, status_code=self.status, headers=self.headers)


def access_token_invalid() -> ApiError:
    return ApiError(
        "access_token_invalid",
        "The access token is invalid or not found in the request.",
        401,
    )


def invalid_params(message: str) -> ApiError:
    return ApiError("invalid_params", message, 400)


def scope_not_authorized(message: str) -> ApiError:
    return ApiError("scope_not_authorized", message, 401)


def scope_permission_missed(fields: list[str]) -> ApiError:
    return ApiError(
        "scope_permission_missed",
        f"Access token is invalid, some fields need additional scopes: {', '.join(fields)}",
        400,
    )


class OAuthError(Exception):
    """An error of ``/v2/oauth/token/`` or ``/v2/oauth/revoke/``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def response(self, now: float) -> FastJSONResponse:
        body = {"error": self.error, "error_description": self.description, "log_id": log_id(now)}
        return FastJSONResponse(body, status_code=OAUTH_ERROR_STATUS)
