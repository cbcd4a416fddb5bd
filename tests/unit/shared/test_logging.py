"""End to end: what ``configure_logging`` writes to stderr carries no secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from shared.logging import configure_logging, get_logger


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure_logging replaces the root handlers and structlog's config: put them back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    httpx_level = logging.getLogger("httpx").level
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(httpx_level)
    structlog.configure(**config)


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def test_json_mode_redacts_structlog_and_stdlib_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", json=True)
    get_logger("tests.logging").info(
        "token stored",
        access_token="SECRET-KW",
        url="https://graph.instagram.com/me?access_token=SECRET-URL&fields=id",
        token_type="bearer",
    )
    logging.getLogger("httpx").warning("GET https://graph.instagram.com/me?access_token=SECRET123")

    err = capsys.readouterr().err
    assert "SECRET" not in err
    first, second = _json_lines(err)
    assert first["event"] == "token stored"
    assert first["service"] == "test"
    assert first["token_type"] == "bearer"
    assert first["url"].endswith("&fields=id")
    assert second["service"] == "test"
    assert second["logger"] == "httpx"
    assert second["event"].startswith("GET https://graph.instagram.com/me?access_token=")


def test_json_mode_redacts_exception_text(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", json=True)
    # Built outside the ``raise`` line, so the traceback's source line does not repeat it.
    message = "upstream said Bearer SECRETBEARER and access_token=SECRETQUERY"
    try:
        raise RuntimeError(message)
    except RuntimeError:
        get_logger("tests.logging").exception("call failed")
        logging.getLogger("tests.stdlib").exception("call failed (stdlib)")

    err = capsys.readouterr().err
    records = _json_lines(err)
    assert [r["event"] for r in records] == ["call failed", "call failed (stdlib)"]
    assert all("RuntimeError" in r["exception"] for r in records)
    assert "SECRETBEARER" not in err
    assert "SECRETQUERY" not in err


def test_json_mode_redacts_json_fragment_in_exception(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", json=True)
    try:
        raise RuntimeError('platform answered {"access_token": "SECRETJSON"}')
    except RuntimeError:
        get_logger("tests.logging").exception("exchange failed")
    assert "SECRETJSON" not in capsys.readouterr().err


def test_json_mode_keeps_lines_parseable_when_a_quoted_url_is_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("test", json=True)
    message = 'GET "https://graph.instagram.com/me?access_token=SECRETQUOTED" failed'
    try:
        raise RuntimeError(message)
    except RuntimeError:
        get_logger("tests.logging").exception("call failed")
    err = capsys.readouterr().err
    assert "SECRETQUOTED" not in err
    (record,) = _json_lines(err)
    assert record["event"] == "call failed"


def test_console_mode_redacts_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", json=False)
    get_logger("tests.logging").info("hello", refresh_token="SECRET-RT")
    logging.getLogger("httpx").warning("POST https://api.test/?client_secret=SECRET-CS")
    err = capsys.readouterr().err
    assert "hello" in err
    assert "SECRET" not in err
    assert "[REDACTED]" in err


def test_noisy_library_info_lines_are_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", level="INFO", json=True)
    logging.getLogger("httpx").info("HTTP Request: GET https://x.test 200")
    logging.getLogger("tests.app").info("kept")
    events = [r["event"] for r in _json_lines(capsys.readouterr().err)]
    assert events == ["kept"]


def test_configure_logging_twice_keeps_one_handler() -> None:
    configure_logging("test", json=True)
    configure_logging("test", json=True)
    assert len(logging.getLogger().handlers) == 1
