"""One correlation id per unit of work, from the HTTP request through every Kafka hop.

HTTP: taken from ``X-Correlation-ID`` (or ``X-Request-ID``) or generated, echoed in the answer.
Kafka: FastStream carries ``correlation_id`` in message headers; publishers pass the current one
on, and a broker middleware binds it for the handler. The id is bound into structlog's context
variables, so every log line of that unit of work carries it.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-correlation-id"
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def current() -> str:
    """The correlation id of the work in progress (a fresh one outside any)."""
    return _current.get() or new_id()


def new_id() -> str:
    return uuid.uuid4().hex


def bind(correlation_id: str | None) -> str:
    """Make ``correlation_id`` current for this task (sanitised: it comes from outside)."""
    cid = correlation_id if correlation_id and _VALID.match(correlation_id) else new_id()
    _current.set(cid)
    structlog.contextvars.bind_contextvars(correlation_id=cid)
    return cid


class CorrelationIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(HEADER.encode()) or headers.get(b"x-request-id")
        structlog.contextvars.clear_contextvars()
        cid = bind(incoming.decode("latin-1") if incoming else None)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((HEADER.encode(), cid.encode()))
            await send(message)

        await self.app(scope, receive, send_wrapper)
