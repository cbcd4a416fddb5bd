"""Transactional outbox: events written in the same transaction as the state they describe.

Used where a state change starts from an HTTP request (e.g. the connector storing a new
connection): the row and its event commit together, and the relay publishes afterwards, so a
broker outage can delay an event but never lose it. (Kafka transactions would do this too, but the
embedded broker lacks them, and the outbox works on any broker.) Delivery is at-least-once;
consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, SQLModel, col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import clock, correlation
from shared.db.types import timestamp_field
from shared.events.base import Event
from shared.logging import LOGGED_ERROR_LENGTH, get_logger
from shared.messaging.publisher import EventPublisher
from shared.metrics import EVENTS_PUBLISHED

log = get_logger(__name__)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    payload: str
    correlation_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = timestamp_field(default_factory=clock.now)
    published_at: datetime | None = timestamp_field(default=None, index=True)


_OUTBOX: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_CLAIMED = tuple(_OUTBOX.c[name] for name in ("id", "topic", "key", "payload", "correlation_id"))
_CHUNK = 500
"""Ids per ``IN`` list, well under both databases' limits on bound parameters."""


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def enqueue(session: AsyncSession, topic: str, event: Event, *, key: str) -> None:
    """Add an event to the session's transaction; it is published after the commit."""
    session.add(
        OutboxMessage(
            topic=topic,
            key=key,
            payload=event.model_dump_json(),
            correlation_id=correlation.current(),
        )
    )


async def enqueue_many(
    session: AsyncSession, topic: str, events: Iterable[tuple[Event, str]]
) -> None:
    """:func:`enqueue` of many ``(event, key)`` pairs, as one executemany in the session's
    transaction (no unit of work per row); published after the commit, in the order given."""
    created_at, correlation_id = clock.now(), correlation.current()
    rows = [
        {
            "topic": topic,
            "key": key,
            "payload": event.model_dump_json(),
            "correlation_id": correlation_id,
            "created_at": created_at,
        }
        for event, key in events
    ]
    if rows:
        connection = await session.connection()
        await connection.execute(insert(OutboxMessage), rows)


class OutboxRelay:
    """Publishes pending outbox rows in order; wake it after a commit for low latency.

    A claimed batch is sent as a whole (every record handed to the producer, then every
    delivery awaited), not a round trip per row: the producer packs the records of a
    partition into a few requests. Order per key holds: the records are handed over in id
    order on one producer, and aiokafka keeps one produce request in flight per broker, and
    a partition muted while its request is out — the ordering that
    ``max_in_flight_requests_per_connection=1`` gives the Java client — so a retried request
    cannot overtake a later one, with or without the idempotent producer. A row is marked
    sent only once its delivery is acknowledged: a crash in between sends it again
    (at-least-once). When a delivery fails, the key's later rows in the batch stay pending
    too, even those delivered: they go again after it, so the key's last word is still its
    last row.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        *,
        interval: float = 1.0,
        batch: int = 500,
    ) -> None:
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._publisher = publisher
        self._interval = interval
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Publish everything pending now; returns how many were published.

        Raises the first delivery error once the rows delivered before it are marked sent.
        """
        published = 0
        while True:
            async with self._sessions() as session:
                connection = await session.connection()
                query = (
                    sa.select(*_CLAIMED)
                    .where(_OUTBOX.c.published_at.is_(None))
                    .order_by(_OUTBOX.c.id)
                    .limit(self._batch)
                )
                if connection.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                rows = list(await connection.execute(query))
                sent, error = await self._send(rows)
                published_at = clock.now()
                for chunk in _chunks(sent):
                    await connection.execute(
                        sa.update(_OUTBOX)
                        .where(_OUTBOX.c.id.in_(chunk))
                        .values(published_at=published_at)
                    )
                await session.commit()
            published += len(sent)
            if error is not None:
                raise error
            if len(rows) < self._batch:
                return published

    async def _send(self, rows: Sequence[Any]) -> tuple[list[int], BaseException | None]:
        """Hand ``rows`` to the producer in order, await their deliveries; the ids delivered
        that may be marked sent (see the class), and the first error met."""
        broker = self._publisher.broker
        issued: list[tuple[Any, asyncio.Future[Any]]] = []
        error: BaseException | None = None
        for row in rows:
            payload = orjson.loads(row.payload)
            try:
                future = await broker.publish(
                    row.payload.encode(),  # the event as enqueued, JSON already
                    row.topic,
                    key=row.key.encode(),
                    headers={
                        "content-type": "application/json",
                        "event-type": str(payload.get("type", "")),
                        "schema-version": str(payload.get("schema_version")),
                    },
                    correlation_id=row.correlation_id or correlation.current(),
                    no_confirm=True,
                )
            except Exception as failed:  # not even queued: this row and the rest wait
                error = failed
                break
            issued.append((row, future))
        outcomes = await asyncio.gather(*(f for _, f in issued), return_exceptions=True)
        sent: list[int] = []
        failed_keys: set[tuple[str, str]] = set()
        for (row, _), outcome in zip(issued, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                error = error or outcome
                failed_keys.add((row.topic, row.key))
            elif (row.topic, row.key) not in failed_keys:
                sent.append(row.id)
                EVENTS_PUBLISHED.labels(row.topic).inc()
        return sent, error

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # broker or database down: keep rows, try again
                log.warning(
                    "outbox relay could not publish yet", error=str(error)[:LOGGED_ERROR_LENGTH]
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def purge(self, older_than: timedelta = timedelta(days=7)) -> int:
        """Delete rows published before ``older_than`` ago (kept a while for investigations)."""
        cutoff = clock.now() - older_than
        async with self._sessions() as session:
            connection = await session.connection()
            result = await connection.execute(
                delete(OutboxMessage).where(col(OutboxMessage.published_at) < cutoff)
            )
            await session.commit()
        return int(result.rowcount or 0)
