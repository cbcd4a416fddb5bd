"""Capturing the platforms' raw answers during one sync (kept 30 days for debugging).

The ingestor opens a capture around a sync; :class:`~shared.platforms.http.PlatformHttp` records
every answer into the capture of the task it runs in (a context variable, so concurrent syncs
never mix their answers). URLs and bodies are redacted before they are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx

from shared.redaction import redact_text

MAX_BODY_CHARS = 200_000
#: Cheap pre-check: every pattern ``redact_text`` masks contains one of these words.
_MIGHT_HOLD_SECRET = re.compile(
    r"token|secret|password|bearer|basic\s|code=|code_verifier", re.IGNORECASE
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
            "body": redact_text(body) if _MIGHT_HOLD_SECRET.search(body) else body,
        }
    )
