"""The outbox relay on both databases: a claimed batch sent as a whole, marked sent only once
delivered, and a failed delivery holding back the rest of its key (order per key, at-least-once).

A broker stand-in answers each send with a future, as FastStream's ``publish(no_confirm=True)``
does; what a key's records do on a real partition is Kafka's (and aiokafka's) business.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select

from shared.db import create_engine, make_sessionmaker
from shared.events import MetricsUpdated
from shared.messaging.publisher import EventPublisher
from shared.outbox import OutboxMessage, OutboxRelay, enqueue_many
from tests.support.clock import TODAY
from tests.support.databases import KINDS, temporary_database

pytestmark = pytest.mark.integration


class Broker:
    """Records every send; ``fail(key, n)`` says whether the ``n``-th send of ``key`` (from 0)
    fails its delivery, ``refuse(n)`` whether the ``n``-th send overall is refused at once."""

    def __init__(
        self,
        fail: Callable[[str, int], bool] = lambda key, n: False,
        refuse: Callable[[int], bool] = lambda n: False,
    ) -> None:
        self.sent: list[dict[str, Any]] = []
        self._fail, self._refuse = fail, refuse
        self._per_key: dict[str, int] = {}

    async def publish(self, body: bytes, topic: str, **options: Any) -> asyncio.Future[None]:
        if self._refuse(len(self.sent)):
            raise ConnectionError("producer closed")
        key = options["key"].decode()
        n = self._per_key[key] = self._per_key.get(key, -1) + 1
        self.sent.append({"body": body, "topic": topic, **options})
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._fail(key, n):
            future.set_exception(TimeoutError(f"delivery of {key}#{n} timed out"))
        else:
            future.set_result(None)
        return future


class Publisher:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker


def relay(engine: AsyncEngine, broker: Broker, batch: int = 500) -> OutboxRelay:
    return OutboxRelay(engine, cast(EventPublisher, Publisher(broker)), batch=batch)


def event(key: str, revision: int) -> MetricsUpdated:
    return MetricsUpdated.model_validate(
        {
            "connection_id": "00000000-0000-0000-0000-00000000000" + key,
            "client_id": "c1",
            "platform": "tiktok",
            "username": "ana",
            "metrics_date": TODAY.isoformat(),
            "followers": 1000 + revision,
            "growth_pct_7d": 1.25,
            "revision": revision,
        }
    )


@pytest.fixture(params=KINDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with temporary_database(request.param, tmp_path) as url:
        engine = create_engine(url)
        async with engine.begin() as connection:
            table = OutboxMessage.__table__  # type: ignore[attr-defined]
            await connection.run_sync(SQLModel.metadata.create_all, tables=[table])
        try:
            yield engine
        finally:
            await engine.dispose()


async def enqueue(engine: AsyncEngine, events: list[tuple[str, int]]) -> list[str]:
    """Queue ``(key, revision)`` events in this order; their payloads, in the same order."""
    async with make_sessionmaker(engine)() as session:
        pairs = [(event(key, revision), key) for key, revision in events]
        await enqueue_many(session, "analytics.metrics-updated.v1", pairs)
        await session.commit()
    return [e.model_dump_json() for e, _ in pairs]


async def pending(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.published_at).is_(None))
            .order_by(col(OutboxMessage.id))
        )
        return [(row.key, MetricsUpdated.model_validate_json(row.payload).revision) for row in rows]


def sent(broker: Broker) -> list[tuple[str, int]]:
    return [
        (s["key"].decode(), MetricsUpdated.model_validate_json(s["body"]).revision)
        for s in broker.sent
    ]


async def test_a_batch_goes_out_in_id_order_as_enqueued_and_is_marked_sent(
    engine: AsyncEngine,
) -> None:
    payloads = await enqueue(engine, [("1", 1), ("2", 1), ("1", 2), ("3", 1), ("1", 3)])
    broker = Broker()

    assert await relay(engine, broker).drain() == 5

    assert sent(broker) == [("1", 1), ("2", 1), ("1", 2), ("3", 1), ("1", 3)]
    assert [s["body"] for s in broker.sent] == [p.encode() for p in payloads]  # verbatim
    first = broker.sent[0]
    assert first["topic"] == "analytics.metrics-updated.v1"
    assert first["no_confirm"] is True
    assert first["headers"] == {
        "content-type": "application/json",
        "event-type": "metrics.updated",
        "schema-version": "1",
    }
    assert await pending(engine) == []
    assert await relay(engine, broker).drain() == 0
    assert len(broker.sent) == 5  # nothing sent twice


async def test_more_rows_than_a_batch_go_out_batch_after_batch(engine: AsyncEngine) -> None:
    await enqueue(engine, [(str(n % 3 + 1), n) for n in range(7)])
    broker = Broker()

    assert await relay(engine, broker, batch=3).drain() == 7

    assert [revision for _, revision in sent(broker)] == list(range(7))
    assert await pending(engine) == []


async def test_a_failed_delivery_holds_back_its_key_and_goes_again_first(
    engine: AsyncEngine,
) -> None:
    await enqueue(engine, [("1", 1), ("2", 1), ("1", 2), ("2", 2), ("1", 3), ("3", 1)])
    broker = Broker(fail=lambda key, n: key == "1" and n == 1)  # ("1", 2), first time

    with pytest.raises(TimeoutError):
        await relay(engine, broker).drain()

    # Key 1's row before the failure is sent; the failed one and the one after it (delivered,
    # but it must not stay ahead of the failed one) wait; other keys are unaffected.
    assert await pending(engine) == [("1", 2), ("1", 3)]
    assert await relay(engine, broker).drain() == 2
    assert sent(broker)[6:] == [("1", 2), ("1", 3)]  # key 1 ends on its last row
    assert await pending(engine) == []


async def test_a_send_the_producer_refuses_leaves_it_and_the_rest_pending(
    engine: AsyncEngine,
) -> None:
    await enqueue(engine, [("1", 1), ("2", 1), ("3", 1), ("1", 2)])
    broker = Broker(refuse=lambda n: n == 2)

    with pytest.raises(ConnectionError):
        await relay(engine, broker).drain()

    assert await pending(engine) == [("3", 1), ("1", 2)]
    assert await relay(engine, Broker()).drain() == 2
    assert await pending(engine) == []
