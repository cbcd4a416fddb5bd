"""The delivery policy of :mod:`shared.messaging.consumer`, written once.

:func:`settle` applies it to the records of one delivery — a batch, or a single message as a
batch of one — and :class:`DeliveryPolicy` is the FastStream middleware that runs it around a
subscriber's handler, so the handler only ever sees events that parsed, and each record of a
batch is parked, retried or redelivered on its own.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from faststream import BaseMiddleware, ContextRepo
from faststream.message import StreamMessage
from pydantic import ValidationError

from shared import correlation
from shared.logging import LOGGED_ERROR_LENGTH, get_logger
from shared.messaging.consumer import (
    INFRASTRUCTURE_ERRORS,
    BatchHandler,
    DeadLetter,
    Delivery,
    Outcome,
    backoff_seconds,
)
from shared.messaging.topics import dead_letter
from shared.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_FAILED
from shared.redaction import redact_text

T = TypeVar("T")
log = get_logger(__name__)
Sleep = Callable[[float], Awaitable[None]]
#: The most of an error's text the ``x-dlq-error`` header carries.
DLQ_ERROR_LENGTH = 1000


class Publisher(Protocol):
    """What dead-lettering needs of the broker."""

    async def publish(
        self,
        message: Any,
        topic: str,
        /,
        *,
        key: Any = ...,
        headers: dict[str, str] | None = ...,
        correlation_id: str | None = ...,
    ) -> Any: ...


class Record(Protocol):
    """One consumed record as the policy reads it: the Kafka record, its bytes, its
    correlation id."""

    @property
    def raw_message(self) -> Any: ...

    @property
    def body(self) -> bytes: ...

    @property
    def correlation_id(self) -> str | None: ...


@dataclass(frozen=True)
class KafkaRecord:
    """A record of a FastStream message (one of a batch, or the single one)."""

    raw_message: Any
    body: bytes
    correlation_id: str | None

    @classmethod
    def of(cls, raw: Any) -> KafkaRecord:
        headers = {k: v for k, v in (raw.headers or ()) if k}
        cid = headers.get("correlation_id")
        return cls(raw, raw.value or b"", cid.decode() if cid else None)


@dataclass(frozen=True)
class Subscription:
    """What the policy knows of one subscription."""

    group_id: str
    parse: Callable[[bytes], Any]
    """Each record's schema (a ``ValidationError`` or ``ValueError`` parks the record)."""
    max_attempts: int
    takes_batch: bool
    """The handler takes ``list[Delivery[Event]]`` and answers per delivery; else it takes one
    event per call (a batch of several is then handled concurrently, a task per record)."""


async def settle(
    broker: Publisher,
    records: Sequence[Record],
    *,
    group_id: str,
    parse: Callable[[bytes], T],
    handle_batch: BatchHandler[T],
    max_attempts: int,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """The policy, record by record, around a handler that takes the records' events at once.

    Unparseable records are dead-lettered first; the rest go to ``handle_batch`` together. A
    record it answers with an error is retried (with the others that failed) after a backoff,
    then dead-lettered; ``DeadLetter`` parks it at once; an infrastructure error — answered for
    any record, or raised — nacks the whole batch once the others are settled, so nothing is
    lost and, handlers being idempotent, nothing settled is done twice.
    """
    pending: list[tuple[Record, Delivery[T]]] = []
    for record in records:
        topic = record.raw_message.topic
        try:
            pending.append((record, Delivery(parse(record.body), record.correlation_id)))
        except (ValidationError, ValueError) as error:
            EVENTS_FAILED.labels(topic, "invalid").inc()
            await _dead_letter(broker, record, group_id=group_id, reason="invalid", error=error)
    attempt = 0
    while pending:
        attempt += 1
        outcomes: Sequence[Outcome]
        try:
            outcomes = await handle_batch([delivery for _, delivery in pending])
        except INFRASTRUCTURE_ERRORS as error:
            await _unavailable(group_id, error, attempt, sleep)
            raise
        except Exception as error:  # the batch as a whole failed: each record failed with it
            log.exception("batch handler failed", group=group_id, records=len(pending))
            outcomes = [error] * len(pending)
        retry: list[tuple[Record, Delivery[T]]] = []
        unavailable: BaseException | None = None
        for (record, delivery), outcome in zip(pending, outcomes, strict=True):
            topic = record.raw_message.topic
            if outcome is None:
                EVENTS_CONSUMED.labels(topic).inc()
            elif isinstance(outcome, DeadLetter):
                EVENTS_FAILED.labels(topic, "rejected").inc()
                await _dead_letter(
                    broker, record, group_id=group_id, reason="rejected", error=outcome
                )
            elif isinstance(outcome, INFRASTRUCTURE_ERRORS) or not isinstance(outcome, Exception):
                EVENTS_FAILED.labels(topic, "retry").inc()
                unavailable = unavailable or outcome
            elif attempt >= max_attempts:
                EVENTS_FAILED.labels(topic, "handler_error").inc()
                log.error(
                    "handler failed, giving up",
                    topic=topic,
                    attempts=attempt,
                    error=redact_text(f"{type(outcome).__name__}: {outcome}")[:LOGGED_ERROR_LENGTH],
                )
                await _dead_letter(
                    broker, record, group_id=group_id, reason="handler_error", error=outcome
                )
            else:
                EVENTS_FAILED.labels(topic, "handler_error").inc()
                retry.append((record, delivery))
        if unavailable is not None:
            await _unavailable(group_id, unavailable, attempt, sleep)
            raise unavailable
        if retry:
            await sleep(backoff_seconds(attempt))
        pending = retry


def each(handle: Callable[[T], Awaitable[object]]) -> BatchHandler[T]:
    """A handler of one event as a batch handler: what it raises is the record's outcome.

    Several deliveries are handled concurrently, each in a task of its own and so in its own
    correlation context; a single one is awaited in place, in the message's context (bound by
    the correlation middleware).
    """

    async def one(delivery: Delivery[T]) -> Outcome:
        try:
            await handle(delivery.event)
        except Exception as error:  # the record's outcome: the policy decides
            return error
        return None

    async def in_its_context(delivery: Delivery[T]) -> Outcome:
        correlation.bind(delivery.correlation_id)  # a task of its own: its own context
        return await one(delivery)

    async def handle_batch(deliveries: list[Delivery[T]]) -> list[Outcome]:
        if len(deliveries) == 1:
            return [await one(deliveries[0])]
        results = await asyncio.gather(
            *(in_its_context(d) for d in deliveries), return_exceptions=True
        )
        return [r if isinstance(r, BaseException) else None for r in results]

    return handle_batch


class DeliveryPolicy(BaseMiddleware):
    """Runs :func:`settle` around a subscriber's handler (a router middleware, one router per
    subscription: see :mod:`shared.messaging.routing`).

    The handler is called with a copy of the message whose decoded body is what the policy
    parsed: the event, or the list of deliveries it is to handle this attempt.
    """

    def __init__(self, msg: Any, /, *, context: ContextRepo, subscription: Subscription) -> None:
        super().__init__(msg, context=context)
        self.subscription = subscription

    @classmethod
    def of(cls, subscription: Subscription) -> Callable[..., DeliveryPolicy]:
        """The middleware factory FastStream calls per message."""
        return partial(cls, subscription=subscription)

    async def consume_scope(
        self,
        call_next: Callable[[StreamMessage[Any]], Awaitable[Any]],
        msg: StreamMessage[Any],
    ) -> Any:
        raw = msg.raw_message
        records = [KafkaRecord.of(r) for r in (raw if isinstance(raw, tuple | list) else (raw,))]

        async def call(decoded: Any) -> Any:
            attempt = copy.copy(msg)  # its own decode cache

            async def given(_: StreamMessage[Any]) -> Any:
                return decoded

            attempt.set_decoder(given)
            return await call_next(attempt)

        sub = self.subscription
        await settle(
            self.context.get("broker"),
            records,
            group_id=sub.group_id,
            parse=sub.parse,
            handle_batch=call if sub.takes_batch else each(call),
            max_attempts=sub.max_attempts,
            sleep=lambda delay: pause(delay),
        )
        return None


async def pause(delay: float) -> None:
    """The policy's backoff between attempts (a module attribute: tests stop time with it)."""
    await asyncio.sleep(delay)


async def _dead_letter(
    broker: Publisher,
    record: Record,
    *,
    group_id: str,
    reason: str,
    error: BaseException,
) -> None:
    raw = record.raw_message
    topic = raw.topic
    headers = {
        k: v.decode("utf-8", "replace") if v is not None else ""
        for k, v in (raw.headers or ())
        if k
    }
    headers.update(
        {
            "x-dlq-reason": reason,
            "x-dlq-error": redact_text(f"{type(error).__name__}: {error}")[:DLQ_ERROR_LENGTH],
            "x-original-topic": topic,
            "x-original-partition": str(raw.partition),
            "x-original-offset": str(raw.offset),
            "x-consumer-group": group_id,
        }
    )
    await broker.publish(
        raw.value or b"",
        dead_letter(topic),
        key=raw.key,
        headers=headers,
        correlation_id=record.correlation_id,
    )
    EVENTS_DEAD_LETTERED.labels(topic).inc()
    log.warning(
        "message dead-lettered",
        topic=topic,
        partition=raw.partition,
        offset=raw.offset,
        reason=reason,
        error=str(error)[:LOGGED_ERROR_LENGTH],
    )


async def _unavailable(group_id: str, error: BaseException, attempt: int, sleep: Sleep) -> None:
    """Back off before the records are nacked, so a dependency that is down is not hammered."""
    delay = backoff_seconds(attempt, base=1.0)
    log.warning(
        "dependency unavailable, the records will be redelivered",
        group=group_id,
        error=redact_text(str(error))[:LOGGED_ERROR_LENGTH],
        retry_in=delay,
    )
    await sleep(delay)
