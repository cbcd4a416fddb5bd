"""Secrets are scrubbed from keys, URLs, Authorization headers and JSON fragments."""

from __future__ import annotations

from typing import Any

import pytest

from shared.redaction import REDACTED, redact_processor, redact_text, redact_value


@pytest.mark.parametrize(
    "key", ["access_token", "refresh_token", "client_secret", "Authorization", "password"]
)
def test_sensitive_keys_are_redacted(key: str) -> None:
    assert redact_value({key: "s3cr3t-value"}) == {key: REDACTED}


@pytest.mark.parametrize("key", ["token_type", "token_health"])
def test_descriptive_token_keys_are_kept(key: str) -> None:
    assert redact_value({key: "bearer"}) == {key: "bearer"}


def test_non_sensitive_values_pass_through_unchanged() -> None:
    value = {"username": "steady_creator", "followers": 12000, "ratio": 1.5, "ok": True}
    assert redact_value(value) == value


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        (
            "GET https://graph.instagram.com/me?access_token=SECRET123&x=1",
            "SECRET123",
            "&x=1",
        ),
        (
            "https://portal.test/callback/instagram?code=AQBxyz-123#_&state=abc",
            "AQBxyz-123",
            "state=abc",
        ),
        ("refresh_token=RT-999 expired", "RT-999", " expired"),
        ("client_secret=topsecret&grant_type=x", "topsecret", "grant_type=x"),
        ("Authorization: Bearer xyzSECRET.abc-def", "xyzSECRET", "Authorization: Bearer "),
        ('{"access_token": "IGAAjsonsecret", "token_type": "bearer"}', "IGAAjsonsecret", "bearer"),
        ("{'refresh_token':'rt-single-quoted'}", "rt-single-quoted", "refresh_token"),
        ('{"password":"hunter2","user":"bob"}', "hunter2", '"user":"bob"'),
    ],
    ids=[
        "url-access-token",
        "oauth-code",
        "refresh-param",
        "client-secret",
        "bearer",
        "json",
        "json-single-quotes",
        "json-password",
    ],
)
def test_secrets_inside_text_are_masked(text: str, secret: str, kept: str) -> None:
    redacted = redact_text(text)
    assert secret not in redacted
    assert REDACTED in redacted
    assert kept in redacted


def test_text_without_credentials_is_unchanged() -> None:
    text = "postal_code=12345 sync finished for connection 42 (token_type=bearer)"
    assert redact_text(text) == text


def test_nested_dicts_and_lists() -> None:
    value: dict[str, Any] = {
        "request": {
            "headers": {"Authorization": "Bearer abcdef123456", "Accept": "application/json"},
            "urls": ["https://x.test/?access_token=NESTED1", "https://x.test/ok"],
        },
        "attempts": [{"refresh_token": "NESTED2", "token_type": "bearer"}],
        "pair": ("Bearer NESTED3xyz", 3),
    }
    result = redact_value(value)
    rendered = repr(result)
    for secret in ("abcdef123456", "NESTED1", "NESTED2", "NESTED3xyz"):
        assert secret not in rendered
    assert result["request"]["headers"]["Accept"] == "application/json"
    assert result["request"]["urls"][1] == "https://x.test/ok"
    assert result["attempts"][0]["token_type"] == "bearer"
    assert isinstance(result["pair"], tuple)
    assert result["pair"][1] == 3


def test_cyclic_structures_do_not_hang() -> None:
    cyclic: dict[str, Any] = {"name": "loop"}
    cyclic["self"] = cyclic
    result = redact_value(cyclic)
    assert result["name"] == "loop"


def test_structlog_processor_redacts_keys_and_values_but_keeps_event_metadata() -> None:
    event = {
        "event": "calling GET https://graph.instagram.com/me?access_token=EVSECRET",
        "level": "info",
        "logger": "httpx",
        "token": "KWSECRET",
        "token_type": "bearer",
        "url": "https://graph.instagram.com/me?access_token=URLSECRET&fields=id",
        "followers": 10,
    }
    result = redact_processor(None, "info", event)
    assert "EVSECRET" not in result["event"]
    assert result["event"].startswith("calling GET https://graph.instagram.com/me?access_token=")
    assert result["token"] == REDACTED
    assert result["token_type"] == "bearer"
    assert "URLSECRET" not in result["url"]
    assert result["url"].endswith("&fields=id")
    assert (result["level"], result["logger"], result["followers"]) == ("info", "httpx", 10)
