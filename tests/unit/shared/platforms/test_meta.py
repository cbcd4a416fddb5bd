"""Meta Graph API errors → error classes, from answers shaped as Meta documents them.

Shapes: https://developers.facebook.com/docs/graph-api/guides/error-handling and the
rate-limiting guide (``X-Business-Use-Case-Usage``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.meta import DEFAULT_RATE_LIMIT_WAIT, MetaUsage, classify

IG = Platform.INSTAGRAM


def graph_error(
    code: int,
    *,
    subcode: int | None = None,
    status: int = 400,
    message: str = "An error",
    error_type: str = "OAuthException",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    error: dict[str, Any] = {
        "message": message,
        "type": error_type,
        "code": code,
        "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUvW",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers)


def buc_usage(minutes: float, *more_minutes: float) -> str:
    entries = [
        {
            "type": "instagram",
            "call_count": 100,
            "total_cputime": 40,
            "total_time": 60,
            "estimated_time_to_regain_access": m,
        }
        for m in (minutes, *more_minutes)
    ]
    return json.dumps({"17841400000000001": entries})


def test_expired_token_190_463() -> None:
    error = classify(
        IG,
        graph_error(
            190,
            subcode=463,
            message="Error validating access token: Session has expired on Friday, 20-Nov-26",
        ),
    )
    assert error.error_class is ErrorClass.TOKEN_EXPIRED
    assert error.code == "190/463"
    assert error.status == 400
    assert error.platform is IG
    assert "Session has expired" in error.message


@pytest.mark.parametrize(
    ("subcode", "label"),
    [(460, "190/460"), (458, "190/458"), (None, "190")],
    ids=["password-changed", "app-not-installed", "no-subcode"],
)
def test_dead_tokens_need_reauthorization(subcode: int | None, label: str) -> None:
    error = classify(IG, graph_error(190, subcode=subcode))
    assert error.error_class is ErrorClass.REAUTH_REQUIRED
    assert error.code == label


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limit_codes_use_retry_after(code: int) -> None:
    error = classify(IG, graph_error(code, status=403, headers={"Retry-After": "120"}))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == 120.0
    assert error.code == str(code)


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limit_codes_use_business_use_case_usage_minutes(code: int) -> None:
    headers = {"X-Business-Use-Case-Usage": buc_usage(7)}
    error = classify(IG, graph_error(code, status=403, headers=headers))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == 7 * 60


def test_business_use_case_usage_takes_the_longest_wait() -> None:
    headers = {"X-Business-Use-Case-Usage": buc_usage(0, 3, 12)}
    error = classify(IG, graph_error(4, headers=headers))
    assert error.retry_after == 12 * 60


def test_retry_after_header_wins_over_usage_header() -> None:
    headers = {"Retry-After": "30", "X-Business-Use-Case-Usage": buc_usage(10)}
    assert classify(IG, graph_error(17, headers=headers)).retry_after == 30.0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Business-Use-Case-Usage": buc_usage(0)},
        {"X-Business-Use-Case-Usage": "not json"},
        {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"},
    ],
    ids=["no-hint", "zero-minutes", "garbled-usage", "http-date"],
)
def test_rate_limit_without_usable_hint_waits_the_default(headers: dict[str, str]) -> None:
    error = classify(IG, graph_error(4, status=403, headers=headers))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == DEFAULT_RATE_LIMIT_WAIT


def test_unexpected_usage_header_shape_falls_back_to_default() -> None:
    headers = {"X-Business-Use-Case-Usage": json.dumps({"1784": {"call_count": 100}})}
    error = classify(IG, graph_error(4, status=403, headers=headers))
    assert error.retry_after == DEFAULT_RATE_LIMIT_WAIT


@pytest.mark.parametrize("code", [1, 2])
def test_unknown_and_service_errors_are_transient(code: int) -> None:
    error = classify(IG, graph_error(code, status=500))
    assert error.error_class is ErrorClass.TRANSIENT
    assert error.retry_after is None


def test_5xx_with_an_unlisted_code_is_transient() -> None:
    error = classify(IG, graph_error(100, status=503))
    assert error.error_class is ErrorClass.TRANSIENT


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_without_body_is_transient(status: int) -> None:
    error = classify(IG, httpx.Response(status, text="<html>Bad gateway</html>"))
    assert error.error_class is ErrorClass.TRANSIENT
    assert error.status == status


@pytest.mark.parametrize(
    ("code", "subcode", "status"),
    [(10, None, 403), (200, None, 403), (100, None, 400), (100, 33, 400)],
    ids=["10-permission", "200-permission", "100-invalid-parameter", "100-33-unknown-object"],
)
def test_permission_and_input_errors(code: int, subcode: int | None, status: int) -> None:
    error = classify(IG, graph_error(code, subcode=subcode, status=status))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.retry_after is None


def test_instagram_token_endpoint_flat_error() -> None:
    body = {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "Invalid authorization code",
    }
    error = classify(IG, httpx.Response(400, json=body))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.message == "Invalid authorization code"
    assert error.code == "400"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, DEFAULT_RATE_LIMIT_WAIT), ({"Retry-After": "42"}, 42.0)],
    ids=["default", "retry-after"],
)
def test_bare_429_is_rate_limited(headers: dict[str, str], expected: float) -> None:
    error = classify(IG, httpx.Response(429, headers=headers))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == expected


def test_401_without_body_needs_reauthorization() -> None:
    error = classify(IG, httpx.Response(401))
    assert error.error_class is ErrorClass.REAUTH_REQUIRED
    assert error.status == 401


def test_other_4xx_without_body_is_permission_or_input() -> None:
    error = classify(IG, httpx.Response(404, text="Not Found"))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT


def test_the_platform_is_carried_through() -> None:
    error = classify(Platform.FACEBOOK, graph_error(190, subcode=463))
    assert error.platform is Platform.FACEBOOK
    assert str(error).startswith("facebook token_expired:")


class TestMetaUsage:
    """Usage headers near 100 % pause the client locally, for a while, not forever."""

    @staticmethod
    def answer(app_usage: dict[str, int], business: Any = None) -> httpx.Response:
        headers = {"X-App-Usage": json.dumps(app_usage)}
        if business is not None:
            headers["X-Business-Use-Case-Usage"] = json.dumps(business)
        return httpx.Response(200, json={}, headers=headers)

    def test_below_the_threshold_requests_go_out(self) -> None:
        usage = MetaUsage(Platform.INSTAGRAM)
        usage.observe(self.answer({"call_count": 80, "total_cputime": 10, "total_time": 10}))
        usage.gate()  # does not raise
        assert usage.percent == 80

    def test_near_the_limit_requests_are_refused_until_access_returns(self) -> None:
        now = [1000.0]
        usage = MetaUsage(Platform.INSTAGRAM, clock=lambda: now[0])
        business = {
            "1784": [
                {
                    "type": "instagram",
                    "call_count": 97,
                    "total_cputime": 5,
                    "total_time": 5,
                    "estimated_time_to_regain_access": 2,
                }
            ]
        }
        usage.observe(
            self.answer({"call_count": 10, "total_cputime": 1, "total_time": 1}, business)
        )
        with pytest.raises(PlatformError) as raised:
            usage.gate()
        assert raised.value.error_class is ErrorClass.RATE_LIMITED
        assert raised.value.retry_after == pytest.approx(120.0)
        now[0] += 121
        usage.gate()  # the pause is over: the next answer's headers decide again

    def test_answers_without_usage_headers_change_nothing(self) -> None:
        usage = MetaUsage(Platform.INSTAGRAM)
        usage.observe(httpx.Response(200, json={}))
        assert usage.percent == 0.0
        usage.gate()
