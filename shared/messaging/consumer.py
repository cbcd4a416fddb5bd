"""Consuming safely: at-least-once, dead-lettering, and no poison-pill stalls.

Policy, chosen deliberately (FastStream's default, ACK_FIRST, commits before the handler runs and
would lose a message whenever a handler fails):

* ``AckPolicy.NACK_ON_ERROR``: the offset is committed only after the handler returned.
* A message that does not parse as its schema goes straight to ``<topic>.dlq`` (retrying cannot
  fix it) and the consumer goes on.
* A handler error is retried in place with backoff, ``consumer_max_attempts`` times; then the
  message goes to ``<topic>.dlq`` with the error, and the consumer goes on.
* An infrastructure error (database or broker unreachable, timeouts) is *not* dead-lettered: the
  message is fine, the world is not. The handler backs off and raises, the message is nacked
  (seeked back) and redelivered, so nothing is lost while a dependency is down.

Handlers must therefore be idempotent; every handler in this project is.

This module holds the policy's vocabulary; :mod:`shared.messaging.policy` applies it (once, as a
FastStream middleware, record by record for a batch as for a single message) and
:mod:`shared.messaging.routing` registers a service's handlers with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx
from aiokafka.errors import KafkaError
from sqlalchemy import exc as sa_exc

T = TypeVar("T")

INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    KafkaError,
    httpx.TransportError,
)


class DeadLetter(Exception):
    """Raise from a handler to park a message at once (retrying cannot help)."""


@dataclass(frozen=True)
class Delivery(Generic[T]):
    """One parsed event of a batch, with the correlation id it travelled with."""

    event: T
    correlation_id: str | None


#: What a record's handling ended with: ``None`` (handled) or the error it met.
Outcome = BaseException | None

#: A batch handler answers, per delivery and in order, ``None`` (handled) or the error it met.
BatchHandler = Callable[[list[Delivery[T]]], Awaitable[Sequence[Outcome]]]


def backoff_seconds(attempt: int, *, base: float = 0.2, cap: float = 30.0) -> float:
    return float(min(cap, base * 2 ** (attempt - 1)))


# Naming: one consumer group per logical subscription, ``<service>.<what it follows>``, so that
# adding a subscription to a service never rebalances (pauses) the service's other consumers.
