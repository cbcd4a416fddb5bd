"""Subscriptions as services register them (``shared.messaging.routing.subscribe``), run on
FastStream's ``TestKafkaBroker``: what gets registered, and the delivery policy end to end —
a bad record parked and the next handled, retries then the dead-letter topic, an infrastructure
error raised (nacked) instead of parked, a batch settled record by record."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from aiokafka import ConsumerRecord
from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.subscriber.usecase import BatchSubscriber
from faststream.kafka.testing import build_message
from faststream.message import StreamMessage
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from shared import correlation
from shared.messaging import policy
from shared.messaging.broker import make_broker
from shared.messaging.consumer import DeadLetter, Delivery, Outcome, backoff_seconds
from shared.messaging.routing import SERVICE, event_type, service_router, subscribe
from shared.messaging.topics import dead_letter
from shared.settings import KafkaSettings

TOPIC = "test.routing.v1"
GROUP = "test.routing"


class Ping(BaseModel):
    n: int


@dataclass
class Service:
    """A service context: what its handlers were given, and what they should do."""

    seen: list[int] = field(default_factory=list)
    batches: list[list[int]] = field(default_factory=list)
    correlation_ids: dict[int, str | None] = field(default_factory=dict)
    failing: dict[int, BaseException] = field(default_factory=dict)
    """Raised (or answered) for the event with this ``n``, every time."""
    everyone: asyncio.Event = field(default_factory=asyncio.Event)


Ctx = Annotated[Service, Context(SERVICE)]


async def on_ping(ping: Ping, service: Ctx) -> None:
    service.seen.append(ping.n)
    service.correlation_ids[ping.n] = correlation.current()
    if ping.n in service.failing:
        raise service.failing[ping.n]


async def on_pings(deliveries: list[Delivery[Ping]], service: Ctx) -> list[Outcome]:
    service.batches.append([d.event.n for d in deliveries])
    for d in deliveries:
        service.correlation_ids[d.event.n] = d.correlation_id
    return [service.failing.get(d.event.n) for d in deliveries]


@dataclass
class Parked:
    body: bytes
    headers: dict[str, str]


@dataclass
class Harness:
    broker: KafkaBroker
    service: Service
    parked: list[Parked]
    pauses: list[float]

    def subscriber(self) -> Any:
        return grouped(self.broker)

    def reasons(self) -> list[str]:
        return [p.headers["x-dlq-reason"] for p in self.parked]


def grouped(broker: KafkaBroker) -> Any:
    """The subscriber of :data:`GROUP` (not the dead-letter capture)."""
    (found,) = (s for s in broker.subscribers if getattr(s, "group_id", None) == GROUP)
    return found


def broker_with(router: KafkaRouter) -> tuple[KafkaBroker, list[Parked]]:
    """A service's broker (correlation middleware included) with ``router`` and a capture of
    the dead-letter topic."""
    broker = make_broker(KafkaSettings(), client_id="test")
    broker.include_router(router)
    parked: list[Parked] = []

    async def as_bytes(message: StreamMessage[Any]) -> Any:
        return message.body

    @broker.subscriber(dead_letter(TOPIC), decoder=as_bytes)
    async def capture(body: bytes, message: KafkaMessage) -> None:
        parked.append(Parked(body, dict(message.headers)))

    return broker, parked


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The policy's backoffs, recorded instead of slept."""
    delays: list[float] = []

    async def pause(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(policy, "pause", pause)
    return delays


async def running(
    pauses: list[float], *, batch: bool = False, concurrency: int = 1, attempts: int = 3
) -> AsyncIterator[Harness]:
    service = Service()
    router = service_router(service)
    settings = KafkaSettings(consumer_max_attempts=attempts)
    if batch:
        subscribe(router, on_pings, TOPIC, group_id=GROUP, settings=settings, max_records=50)
    else:
        subscribe(
            router, on_ping, TOPIC, group_id=GROUP, settings=settings, concurrency=concurrency
        )
    broker, parked = broker_with(router)
    async with TestKafkaBroker(broker):
        yield Harness(broker, service, parked, pauses)


@pytest.fixture
async def single(pauses: list[float]) -> AsyncIterator[Harness]:
    async for harness in running(pauses):
        yield harness


@pytest.fixture
async def batched(pauses: list[float]) -> AsyncIterator[Harness]:
    async for harness in running(pauses, batch=True):
        yield harness


async def records(
    pings: Sequence[bytes | int], cids: Sequence[str | None] | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Kafka records as a consumer would hand them over, each with its own correlation id."""
    cids = list(cids) if cids is not None else [f"corr-{i}" for i in range(len(pings))]
    out = []
    for offset, (ping, cid) in enumerate(zip(pings, cids, strict=True)):
        body = ping if isinstance(ping, bytes) else Ping(n=ping).model_dump_json().encode()
        record = await build_message(body, TOPIC, key=f"k{offset}".encode(), serializer=None)
        record.offset = offset
        record.headers = [(k, v) for k, v in record.headers if k != "correlation_id"]
        if cid is not None:
            record.headers.append(("correlation_id", cid.encode()))
        out.append(record)
    return out


# --- what gets registered ----------------------------------------------------------------------


def test_a_handler_of_one_event_registers_a_per_message_consumer() -> None:
    router = service_router(Service())
    subscribe(router, on_ping, TOPIC, "other.v1", group_id=GROUP, settings=KafkaSettings())
    broker, _ = broker_with(router)
    subscriber = grouped(broker)
    assert subscriber.topic_names == [TOPIC, "other.v1"]
    assert not isinstance(subscriber, BatchSubscriber)
    assert subscriber.ack_policy.name == "NACK_ON_ERROR"


def test_concurrency_registers_one_batch_consumer() -> None:
    router = service_router(Service())
    subscribe(router, on_ping, TOPIC, group_id=GROUP, settings=KafkaSettings(), concurrency=8)
    broker, _ = broker_with(router)
    subscriber = grouped(broker)
    assert subscriber.topic_names == [TOPIC]
    assert isinstance(subscriber, BatchSubscriber)
    assert subscriber.max_records == 8
    assert subscriber.ack_policy.name == "NACK_ON_ERROR"


def test_a_batch_handler_registers_a_batch_consumer_of_max_records() -> None:
    router = service_router(Service())
    subscribe(router, on_pings, TOPIC, group_id=GROUP, settings=KafkaSettings(), max_records=50)
    broker, _ = broker_with(router)
    subscriber = grouped(broker)
    assert isinstance(subscriber, BatchSubscriber)
    assert subscriber.max_records == 50
    assert subscriber.ack_policy.name == "NACK_ON_ERROR"


def test_the_handler_annotation_is_the_schema() -> None:
    assert event_type(on_ping) == (Ping, False)
    assert event_type(on_pings) == (Ping, True)


async def _of_plain_list(pings: list[Ping]) -> list[Outcome]:
    return [None for _ in pings]


def test_a_handler_of_the_wrong_shape_is_refused_at_registration() -> None:
    router = service_router(Service())
    with pytest.raises(TypeError):  # a batch handler without a batch size
        subscribe(router, on_pings, TOPIC, group_id=GROUP, settings=KafkaSettings())
    with pytest.raises(TypeError):  # a batch size for a handler of one event
        subscribe(router, on_ping, TOPIC, group_id=GROUP, settings=KafkaSettings(), max_records=5)
    with pytest.raises(TypeError):  # a batch that is not of deliveries
        subscribe(
            router, _of_plain_list, TOPIC, group_id=GROUP, settings=KafkaSettings(), max_records=5
        )


# --- a handler of one event ---------------------------------------------------------------------


async def test_a_bad_record_is_dead_lettered_and_the_next_one_handled(single: Harness) -> None:
    await single.broker.publish(b"{not json", TOPIC, key=b"k-bad")
    await single.broker.publish(Ping(n=1).model_dump_json(), TOPIC, key=b"k1")
    assert single.service.seen == [1]
    (parked,) = single.parked
    assert parked.body == b"{not json"
    assert parked.headers["x-dlq-reason"] == "invalid"
    assert parked.headers["x-original-topic"] == TOPIC
    assert parked.headers["x-consumer-group"] == GROUP
    assert single.pauses == []


async def test_a_failing_handler_is_retried_then_dead_lettered(single: Harness) -> None:
    single.service.failing[2] = ValueError("cannot handle two")
    await single.broker.publish(Ping(n=2).model_dump_json(), TOPIC, key=b"k2")
    assert single.service.seen == [2, 2, 2]
    assert single.pauses == [backoff_seconds(1), backoff_seconds(2)]
    (parked,) = single.parked
    assert parked.headers["x-dlq-reason"] == "handler_error"
    assert parked.headers["x-dlq-error"] == "ValueError: cannot handle two"


async def test_dead_letter_parks_at_once(single: Harness) -> None:
    single.service.failing[3] = DeadLetter("not for us")
    await single.broker.publish(Ping(n=3).model_dump_json(), TOPIC)
    assert single.service.seen == [3]
    assert single.reasons() == ["rejected"]
    assert single.pauses == []


async def test_an_infrastructure_error_is_raised_not_dead_lettered(single: Harness) -> None:
    error = OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))
    single.service.failing[4] = error
    with pytest.raises(OperationalError):  # the consumer nacks: the message is redelivered
        await single.broker.publish(Ping(n=4).model_dump_json(), TOPIC)
    assert single.service.seen == [4]
    assert single.parked == []
    assert single.pauses == [backoff_seconds(1, base=1.0)]


async def test_the_handler_runs_in_the_records_correlation_context(single: Harness) -> None:
    await single.broker.publish(Ping(n=5).model_dump_json(), TOPIC, correlation_id="corr-five")
    assert single.service.correlation_ids == {5: "corr-five"}


async def on_ping_together(ping: Ping, service: Ctx) -> None:
    """Waits until every record of the batch has started: only concurrent handling gets on."""
    service.seen.append(ping.n)
    service.correlation_ids[ping.n] = correlation.current()
    if len(service.seen) == TOGETHER:
        service.everyone.set()
    await asyncio.wait_for(service.everyone.wait(), timeout=2)
    if ping.n in service.failing:
        raise service.failing[ping.n]


TOGETHER = 3


async def test_concurrency_handles_records_concurrently_each_in_its_context(
    pauses: list[float],
) -> None:
    service = Service(failing={1: ValueError("this one fails")})
    router = service_router(service)
    settings = KafkaSettings(consumer_max_attempts=1)
    subscribe(router, on_ping_together, TOPIC, group_id=GROUP, settings=settings, concurrency=3)
    broker, parked = broker_with(router)
    async with TestKafkaBroker(broker):
        harness = Harness(broker, service, parked, pauses)
        batch = await records([0, 1, 2, b"garbage"], ["corr-a", "corr-b", "corr-c", "corr-d"])
        await harness.subscriber().process_message(batch)
    assert sorted(service.seen) == [0, 1, 2]
    assert service.correlation_ids == {0: "corr-a", 1: "corr-b", 2: "corr-c"}
    dead = {p.headers["x-original-offset"]: p.headers["x-dlq-reason"] for p in parked}
    assert dead == {"1": "handler_error", "3": "invalid"}


# --- a handler of a batch -----------------------------------------------------------------------


async def test_a_batch_gets_its_deliveries_with_the_records_correlation_ids(
    batched: Harness,
) -> None:
    await batched.subscriber().process_message(await records([1, 2], ["corr-x", None]))
    assert batched.service.batches == [[1, 2]]
    assert batched.service.correlation_ids == {1: "corr-x", 2: None}


async def test_a_bad_record_of_a_batch_is_parked_alone_and_the_others_handled(
    batched: Harness,
) -> None:
    await batched.subscriber().process_message(await records([1, b"{}", 3]))
    assert batched.service.batches == [[1, 3]]
    assert batched.reasons() == ["invalid"]
    assert batched.parked[0].headers["x-original-offset"] == "1"


async def test_a_record_a_batch_answers_with_an_error_is_retried_alone_then_parked(
    batched: Harness,
) -> None:
    batched.service.failing[2] = ValueError("bad two")
    await batched.subscriber().process_message(await records([1, 2, 3]))
    assert batched.service.batches == [[1, 2, 3], [2], [2]]
    assert batched.pauses == [backoff_seconds(1), backoff_seconds(2)]
    assert batched.reasons() == ["handler_error"]
    assert batched.parked[0].headers["x-original-offset"] == "1"


async def test_an_infrastructure_error_in_a_batch_nacks_it_after_parking_the_rest(
    batched: Harness,
) -> None:
    batched.service.failing[1] = DeadLetter("no")
    batched.service.failing[2] = ConnectionError("connector down")
    with pytest.raises(ConnectionError):
        await batched.subscriber().process_message(await records([1, 2, 3]))
    assert batched.service.batches == [[1, 2, 3]]
    assert batched.reasons() == ["rejected"]
    assert batched.pauses == [backoff_seconds(1, base=1.0)]


async def test_a_published_event_reaches_a_batch_handler(batched: Harness) -> None:
    await batched.broker.publish(Ping(n=7).model_dump_json(), TOPIC, key=b"k7")
    assert batched.service.batches == [[7]]


async def test_each_app_gets_a_router_of_its_own() -> None:
    """A router belongs to one broker: two apps of one service in a process each get theirs."""
    first, second = Service(), Service()
    brokers = []
    for service in (first, second):
        router = service_router(service)
        subscribe(router, on_ping, TOPIC, group_id=GROUP, settings=KafkaSettings())
        brokers.append(broker_with(router)[0])
    for n, broker in enumerate(brokers):
        async with TestKafkaBroker(broker):
            await broker.publish(Ping(n=n).model_dump_json(), TOPIC, key=uuid.uuid4().bytes)
    assert (first.seen, second.seen) == ([0], [1])
