"""Carries the correlation id across Kafka hops (FastStream broker middleware)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faststream import BaseMiddleware
from faststream.message import StreamMessage
from faststream.response import PublishCommand

from shared import correlation


class CorrelationMiddleware(BaseMiddleware):
    async def consume_scope(
        self,
        call_next: Callable[[StreamMessage[Any]], Awaitable[Any]],
        msg: StreamMessage[Any],
    ) -> Any:
        structlog.contextvars.clear_contextvars()
        correlation.bind(msg.correlation_id)
        return await call_next(msg)

    async def publish_scope(
        self,
        call_next: Callable[[PublishCommand], Awaitable[Any]],
        cmd: PublishCommand,
    ) -> Any:
        if not cmd.correlation_id:
            cmd.correlation_id = correlation.current()
        return await call_next(cmd)
