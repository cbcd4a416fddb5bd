"""The consumer policy against the real broker: dead-lettering, redelivery, commit after handling.

Same helper (``shared.messaging.routing.subscribe``) every service uses; here with handlers whose
behaviour the test controls.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable

import pytest
from faststream.kafka import KafkaRouter
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from shared.messaging.broker import ensure_topics, make_broker
from shared.messaging.routing import subscribe
from shared.messaging.topics import dead_letter
from shared.settings import KafkaSettings
from tests.support.kafka import read_topics

pytestmark = pytest.mark.integration


class Ping(BaseModel):
    n: int


async def _eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def _run_consumer(
    kafka: str,
    topic: str,
    group: str,
    handle: Callable[[Ping], Awaitable[None]],
    concurrency: int = 1,
) -> object:
    settings = KafkaSettings(bootstrap_servers=kafka, consumer_max_attempts=2)
    broker = make_broker(settings, client_id="test")
    router = KafkaRouter()
    subscribe(router, handle, topic, group_id=group, settings=settings, concurrency=concurrency)
    broker.include_router(router)
    await broker.start()
    return broker


async def _topic(kafka: str) -> str:
    topic = f"test.policy.{uuid.uuid4().hex[:8]}.v1"
    await ensure_topics(
        KafkaSettings(bootstrap_servers=kafka, topic_partitions=1), [topic, dead_letter(topic)]
    )
    return topic


async def test_bad_messages_are_dead_lettered_and_the_consumer_goes_on(kafka: str) -> None:
    topic = await _topic(kafka)
    seen: list[int] = []

    async def handle(ping: Ping) -> None:
        if ping.n == 2:
            raise ValueError("cannot handle two")
        seen.append(ping.n)

    broker = await _run_consumer(kafka, topic, "policy-a", handle)
    try:
        producer = make_broker(KafkaSettings(bootstrap_servers=kafka), client_id="producer")
        await producer.start()
        await producer.publish(b'{"n": 1}', topic, key=b"k1")
        await producer.publish(b"{not json", topic, key=b"k-bad")
        await producer.publish(b'{"n": 2}', topic, key=b"k2")
        await producer.publish(b'{"n": 3}', topic, key=b"k3")
        await producer.stop()
        await _eventually(lambda: seen == [1, 3])
    finally:
        await broker.stop()  # type: ignore[attr-defined]
    parked = await read_topics(kafka, [dead_letter(topic)], until=lambda r: len(r) >= 2)
    by_key = {r.key: r for r in parked}
    assert set(by_key) == {b"k-bad", b"k2"}
    assert by_key[b"k-bad"].value == b"{not json"
    assert by_key[b"k-bad"].headers["x-dlq-reason"] == "invalid"
    assert by_key[b"k2"].headers["x-dlq-reason"] == "handler_error"
    assert "cannot handle two" in by_key[b"k2"].headers["x-dlq-error"]
    assert by_key[b"k2"].headers["x-original-topic"] == topic
    assert by_key[b"k2"].headers["x-consumer-group"] == "policy-a"
    assert json.loads(by_key[b"k2"].value) == {"n": 2}


async def test_offset_is_committed_only_after_the_handler_succeeded(kafka: str) -> None:
    """At-least-once: a message whose handler never finished is delivered again."""
    topic = await _topic(kafka)
    attempts = 0

    async def unavailable(_ping: Ping) -> None:
        nonlocal attempts
        attempts += 1
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))

    first = await _run_consumer(kafka, topic, "policy-b", unavailable)
    producer = make_broker(KafkaSettings(bootstrap_servers=kafka), client_id="producer")
    await producer.start()
    await producer.publish(b'{"n": 7}', topic, key=b"k7")
    await producer.stop()
    await _eventually(lambda: attempts >= 2)  # redelivered after the nack, not dead-lettered
    await first.stop()  # type: ignore[attr-defined]  # "crash" before it ever succeeded

    handled: list[int] = []

    async def healthy(ping: Ping) -> None:
        handled.append(ping.n)

    second = await _run_consumer(kafka, topic, "policy-b", healthy)
    try:
        await _eventually(lambda: handled == [7])
    finally:
        await second.stop()  # type: ignore[attr-defined]
    parked = await read_topics(kafka, [dead_letter(topic)], until=lambda r: False, timeout=3)
    assert parked == []

    # Handled and committed: a third member of the group does not see it again.
    third_seen: list[int] = []

    async def record(ping: Ping) -> None:
        third_seen.append(ping.n)

    third = await _run_consumer(kafka, topic, "policy-b", record)
    producer = make_broker(KafkaSettings(bootstrap_servers=kafka), client_id="producer")
    await producer.start()
    await producer.publish(b'{"n": 8}', topic, key=b"k8")  # a marker: proves it is consuming
    await producer.stop()
    try:
        await _eventually(lambda: 8 in third_seen)
    finally:
        await third.stop()  # type: ignore[attr-defined]
    assert third_seen == [8]


async def test_concurrent_batches_keep_the_same_policy(kafka: str) -> None:
    """concurrency > 1: records handled at the same time, bad ones parked, the rest committed."""
    topic = await _topic(kafka)
    running, peak, seen = 0, 0, []

    async def handle(ping: Ping) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.2)
        running -= 1
        if ping.n == 13:
            raise ValueError("unlucky")
        seen.append(ping.n)

    producer = make_broker(KafkaSettings(bootstrap_servers=kafka), client_id="producer")
    await producer.start()
    for n in range(20):
        await producer.publish(
            str({"n": n}).replace("'", '"').encode(), topic, key=f"k{n}".encode()
        )
    await producer.publish(b"garbage", topic, key=b"bad")
    await producer.stop()
    broker = await _run_consumer(kafka, topic, "policy-c", handle, concurrency=8)
    try:
        await _eventually(lambda: len(seen) == 19)
    finally:
        await broker.stop()  # type: ignore[attr-defined]
    assert sorted(seen) == [n for n in range(20) if n != 13]
    assert peak > 1  # really concurrent
    parked = await read_topics(kafka, [dead_letter(topic)], until=lambda r: len(r) >= 2)
    assert {r.key for r in parked} == {b"bad", b"k13"}

    # Committed: another member of the group starts after the last record.
    again: list[int] = []

    async def record(ping: Ping) -> None:
        again.append(ping.n)

    producer = make_broker(KafkaSettings(bootstrap_servers=kafka), client_id="producer")
    second = await _run_consumer(kafka, topic, "policy-c", record, concurrency=8)
    await producer.start()
    await producer.publish(b'{"n": 99}', topic, key=b"k99")
    await producer.stop()
    try:
        await _eventually(lambda: 99 in again)
    finally:
        await second.stop()  # type: ignore[attr-defined]
    assert again == [99]
