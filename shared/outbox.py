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
import json
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import clock, correlation
from shared.db.types import timestamp_field
from shared.events.base import Event
from shared.logging import get_logger
from shared.messaging.publisher import EventPublisher

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


class OutboxRelay:
    """Publishes pending outbox rows in order; wake it after a commit for low latency."""

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        *,
        interval: float = 1.0,
        batch: int = 100,
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
        """Publish everything pending now; returns how many were published."""
        published = 0
        while True:
            async with self._sessions() as session:
                query = (
                    select(OutboxMessage)
                    .where(col(OutboxMessage.published_at).is_(None))
                    .order_by(col(OutboxMessage.id))
                    .limit(self._batch)
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                rows = list((await session.exec(query)).all())
                for row in rows:
                    await self._publisher.publish_json(
                        row.topic,
                        json.loads(row.payload),
                        key=row.key,
                        correlation_id=row.correlation_id,
                    )
                    row.published_at = clock.now()
                    session.add(row)
                await session.commit()
            published += len(rows)
            if len(rows) < self._batch:
                return published

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # broker or database down: keep rows, try again
                log.warning("outbox relay could not publish yet", error=str(error)[:300])
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
