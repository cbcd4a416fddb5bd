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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from shared import correlation
from shared.logging import get_logger
from shared.messaging.topics import dead_letter
from shared.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_FAILED
from shared.redaction import redact_text
from shared.settings import KafkaSettings

T = TypeVar("T")
log = get_logger(__name__)

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


def backoff_seconds(attempt: int, *, base: float = 0.2, cap: float = 30.0) -> float:
    return float(min(cap, base * 2 ** (attempt - 1)))


async def _dead_letter(
    broker: KafkaBroker,
    message: Any,
    *,
    group_id: str,
    reason: str,
    error: BaseException,
) -> None:
    raw = message.raw_message
    topic = raw.topic
    headers = {
        k: v.decode("utf-8", "replace") if v is not None else ""
        for k, v in (raw.headers or ())
        if k
    }
    headers.update(
        {
            "x-dlq-reason": reason,
            "x-dlq-error": redact_text(f"{type(error).__name__}: {error}")[:1000],
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
        correlation_id=message.correlation_id,
    )
    EVENTS_DEAD_LETTERED.labels(topic).inc()
    log.warning(
        "message dead-lettered",
        topic=topic,
        partition=raw.partition,
        offset=raw.offset,
        reason=reason,
        error=str(error)[:300],
    )


async def process(
    broker: KafkaBroker,
    message: Any,
    *,
    group_id: str,
    parse: Callable[[bytes], T],
    handle: Callable[[T], Awaitable[None]],
    max_attempts: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Parse and handle one message according to the policy above."""
    topic = message.raw_message.topic
    try:
        event = parse(message.body)
    except (ValidationError, ValueError) as error:
        EVENTS_FAILED.labels(topic, "invalid").inc()
        await _dead_letter(broker, message, group_id=group_id, reason="invalid", error=error)
        return
    attempt = 0
    while True:
        attempt += 1
        try:
            await handle(event)
        except DeadLetter as error:
            EVENTS_FAILED.labels(topic, "rejected").inc()
            await _dead_letter(broker, message, group_id=group_id, reason="rejected", error=error)
            return
        except INFRASTRUCTURE_ERRORS as error:
            EVENTS_FAILED.labels(topic, "retry").inc()
            delay = backoff_seconds(attempt, base=1.0)
            log.warning(
                "dependency unavailable, message will be redelivered",
                topic=topic,
                error=redact_text(str(error))[:300],
                retry_in=delay,
            )
            await sleep(delay)
            raise
        except Exception as error:
            EVENTS_FAILED.labels(topic, "handler_error").inc()
            if attempt >= max_attempts:
                log.exception("handler failed, giving up", topic=topic, attempts=attempt)
                await _dead_letter(
                    broker, message, group_id=group_id, reason="handler_error", error=error
                )
                return
            await sleep(backoff_seconds(attempt))
        else:
            EVENTS_CONSUMED.labels(topic).inc()
            return


@dataclass(frozen=True)
class _Record:
    """One record of a batch, shaped like the message :func:`process` reads."""

    raw_message: Any
    body: bytes
    correlation_id: str | None


@dataclass(frozen=True)
class Delivery(Generic[T]):
    """One parsed event of a batch, with the correlation id it travelled with."""

    event: T
    correlation_id: str | None


#: A batch handler answers, per delivery and in order, ``None`` (handled) or the error it met.
BatchHandler = Callable[[list[Delivery[T]]], Awaitable[Sequence[BaseException | None]]]


def _records(batch: Any) -> list[_Record]:
    records = batch.raw_message if isinstance(batch.raw_message, tuple | list) else ()
    out = []
    for record in records:
        headers = {k: v for k, v in (record.headers or ()) if k}
        cid = headers.get("correlation_id")
        out.append(_Record(record, record.value or b"", cid.decode() if cid else None))
    return out


async def process_batch(
    broker: KafkaBroker,
    records: Sequence[Any],
    *,
    group_id: str,
    parse: Callable[[bytes], T],
    handle_batch: BatchHandler[T],
    max_attempts: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """The policy of :func:`process`, record by record, for a handler that takes a whole batch.

    Unparseable records are dead-lettered first; the rest go to ``handle_batch`` together. A
    record it answers with an error is retried (with the others that failed) after a backoff,
    then dead-lettered; ``DeadLetter`` parks it at once; an infrastructure error — answered for
    any record, or raised — nacks the whole batch once the others are settled, so nothing is
    lost and, handlers being idempotent, nothing settled is done twice.
    """
    pending: list[tuple[Any, Delivery[T]]] = []
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
        outcomes: Sequence[BaseException | None]
        try:
            outcomes = await handle_batch([delivery for _, delivery in pending])
        except INFRASTRUCTURE_ERRORS as error:
            await _unavailable(group_id, error, attempt, sleep)
            raise
        except Exception as error:  # the batch as a whole failed: each record failed with it
            log.exception("batch handler failed", group=group_id, records=len(pending))
            outcomes = [error] * len(pending)
        retry: list[tuple[Any, Delivery[T]]] = []
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
                    error=redact_text(f"{type(outcome).__name__}: {outcome}")[:300],
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


async def _unavailable(
    group_id: str,
    error: BaseException,
    attempt: int,
    sleep: Callable[[float], Awaitable[None]],
) -> None:
    """Back off before a batch is nacked, so a dependency that is down is not hammered."""
    delay = backoff_seconds(attempt, base=1.0)
    log.warning(
        "dependency unavailable, batch will be redelivered",
        group=group_id,
        error=redact_text(str(error))[:300],
        retry_in=delay,
    )
    await sleep(delay)


def subscribe(
    broker: KafkaBroker,
    topics: str | list[str],
    *,
    group_id: str,
    parse: Callable[[bytes], T],
    handle: Callable[[T], Awaitable[None]],
    settings: KafkaSettings,
    concurrency: int = 1,
) -> None:
    """Register ``handle`` on ``topics`` for consumer group ``group_id``, with the policy above.

    ``concurrency > 1``: one consumer takes up to that many records at a time and handles them
    concurrently (:func:`subscribe_batch` with a handler per record). (FastStream's
    ``max_workers`` would instead add one consumer per worker to the group, capped by the
    partition count and paid for in rebalances.)
    """
    if concurrency > 1:

        async def each(deliveries: list[Delivery[T]]) -> list[BaseException | None]:
            async def one(delivery: Delivery[T]) -> None:
                correlation.bind(delivery.correlation_id)  # a task of its own: its own context
                await handle(delivery.event)

            results = await asyncio.gather(*(one(d) for d in deliveries), return_exceptions=True)
            return [r if isinstance(r, BaseException) else None for r in results]

        subscribe_batch(
            broker,
            topics,
            group_id=group_id,
            parse=parse,
            handle_batch=each,
            settings=settings,
            max_records=concurrency,
        )
        return
    names = [topics] if isinstance(topics, str) else topics
    max_attempts = settings.consumer_max_attempts

    async def consume(message: KafkaMessage) -> None:
        await process(
            broker,
            message,
            group_id=group_id,
            parse=parse,
            handle=handle,
            max_attempts=max_attempts,
        )

    _register(broker, names, group_id, settings, consume, max_records=None)


def subscribe_batch(
    broker: KafkaBroker,
    topics: str | list[str],
    *,
    group_id: str,
    parse: Callable[[bytes], T],
    handle_batch: BatchHandler[T],
    settings: KafkaSettings,
    max_records: int,
) -> None:
    """Register a handler that takes up to ``max_records`` events at once (:func:`process_batch`).

    For handlers that gain from doing their reads and writes once per batch instead of once per
    record; the batch's offsets are committed once every record is settled.
    """
    names = [topics] if isinstance(topics, str) else topics
    max_attempts = settings.consumer_max_attempts

    async def consume_batch(message: KafkaMessage) -> None:
        await process_batch(
            broker,
            _records(message),
            group_id=group_id,
            parse=parse,
            handle_batch=handle_batch,
            max_attempts=max_attempts,
        )

    _register(broker, names, group_id, settings, consume_batch, max_records=max_records)


def _register(
    broker: KafkaBroker,
    names: list[str],
    group_id: str,
    settings: KafkaSettings,
    handler: Callable[[KafkaMessage], Awaitable[None]],
    *,
    max_records: int | None,
) -> None:
    handler.__name__ = f"consume_{group_id}_{names[0]}".replace(".", "_").replace("-", "_")
    broker.subscriber(
        *names,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset=settings.consumer_auto_offset_reset,
        batch=max_records is not None,
        max_records=max_records,
        decoder=_undecoded,
    )(handler)


async def _undecoded(message: StreamMessage[Any]) -> None:
    """Leave the body as bytes: each handler parses records itself (:func:`process`), so
    FastStream's own JSON decoding of every record would be work thrown away."""
    return None


# Naming: one consumer group per logical subscription, ``<service>.<what it follows>``, so that
# adding a subscription to a service never rebalances (pauses) the service's other consumers.
