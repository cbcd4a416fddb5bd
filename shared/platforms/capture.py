"""Capturing the platforms' raw answers during one sync (kept 30 days for debugging).

The ingestor opens a capture around a sync; :class:`~shared.platforms.http.PlatformHttp` records
every answer into the capture of the task it runs in (a context variable, so concurrent syncs
never mix their answers). URLs and bodies are redacted before they are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx

from shared.redaction import redact_text

MAX_BODY_CHARS = 200_000
#: Every credential ``redact_text`` masks sits next to one of these (lower-cased) fragments, so a
#: body holding none is kept as it is. Plain substring tests: a regex scan of every body (and
#: pagination fields such as ``next_token`` matched a looser pre-check) cost more CPU than the
#: rest of a sync.
_SECRET_MARKERS = (
    "access_token",
    "refresh_token",
    "client_secret",
    "password",
    "code_verifier",
    "token=",
    "code=",
    "bearer",
    "basic",
    '"token',
    "'token",
)
_current: ContextVar[list[dict[str, Any]] | None] = ContextVar("raw_capture", default=None)


@contextmanager
def capturing() -> Iterator[list[dict[str, Any]]]:
    answers: list[dict[str, Any]] = []
    token = _current.set(answers)
    try:
        yield answers
    finally:
        _current.reset(token)


def record(response: httpx.Response) -> None:
    answers = _current.get()
    if answers is None:
        return
    body = response.text[:MAX_BODY_CHARS]
    answers.append(
        {
            "method": response.request.method,
            "url": redact_text(str(response.request.url)),
            "status": response.status_code,
            # Data answers rarely hold a credential; only scan the ones that might (the regex
            # scan of every body was a measurable share of a sync's CPU).
            "body": redact_text(body) if might_hold_secret(body) else body,
        }
    )


def might_hold_secret(text: str) -> bool:
    """False only when ``redact_text`` would certainly leave ``text`` unchanged."""
    lowered = text.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)
