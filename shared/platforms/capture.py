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
    answers.append(
        {
            "method": response.request.method,
            "url": redact_text(str(response.request.url)),
            "status": response.status_code,
            "body": redact_text(response.text[:MAX_BODY_CHARS]),
        }
    )
