"""The live hub: coalescing per flush, the newest revision, overflow closing, unsubscribing.

Sockets here are fakes driven by the test (``FakeSocket``): a reader that has gone away, one that
never reads (its sends block), one that reads everything. The WebSocket routes themselves run
against the real services in ``tests/integration/test_live_updates.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from services.analytics import live
from services.analytics.live import (
    CLOSE_EXPIRED,
    CLOSE_OVERFLOW,
    LiveHub,
    LiveLimits,
    live_messages,
    serve_socket,
)
from services.analytics.live_feed import LiveFeed
from shared.events import MetricsUpdated
from shared.platforms import Platform
from tests.support.waiting import eventually

START = date(2025, 11, 20)
#: No flush delay: the tests decide when the sender runs (it runs when they await).
INSTANT = LiveLimits(max_pending_days=1000, days_per_message=500, flush_seconds=0)


def _event(
    client_id: str,
    connection_id: uuid.UUID,
    day: int,
    *,
    followers: int = 1000,
    revision: int = 1,
) -> MetricsUpdated:
    return MetricsUpdated(
        connection_id=connection_id,
        client_id=client_id,
        platform=Platform.TIKTOK,
        username="creator",
        metrics_date=START + timedelta(days=day),
        followers=followers,
        followers_change_1d=5,
        revision=revision,
    )


def _year(client_id: str, connection_id: uuid.UUID) -> Iterator[MetricsUpdated]:
    for day in range(366):
        yield _event(client_id, connection_id, day, followers=1000 + day, revision=day + 1)


class FakeSocket:
    """A WebSocket whose reader the test plays: ``leave()`` disconnects, ``stuck`` never reads."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.stuck = stuck
        self.accepted = False
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str | None] | None = None
        self._left = asyncio.Event()
        self._arrived = asyncio.Event()

    async def accept(self) -> None:
        self.accepted = True

    async def send_text(self, data: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()  # the peer's buffers are full: never returns
        self.sent.append(json.loads(data))
        self._arrived.set()

    async def receive(self) -> dict[str, Any]:
        await self._left.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        if self.stuck:
            await asyncio.Event().wait()  # not even a close frame gets through
        self.closed = (code, reason)

    def leave(self) -> None:
        self._left.set()

    async def messages(self, count: int) -> list[dict[str, Any]]:
        while len(self.sent) < count:
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), 10)
        return self.sent


async def _opened(hub: LiveHub, client_id: str, socket: FakeSocket, **kw: Any) -> asyncio.Task[str]:
    """``serve_socket`` running, once its queue is subscribed and the socket accepted."""
    before = hub.sockets(client_id)
    task = asyncio.create_task(serve_socket(socket, hub, client_id, expires_in=kw.get("ttl", 3600)))

    async def subscribed() -> bool:
        return hub.sockets(client_id) > before and socket.accepted

    await eventually(subscribed, timeout=5, interval=0.01)
    return task


async def test_a_year_of_backfill_pending_at_once_goes_out_as_one_message() -> None:
    hub = LiveHub(INSTANT)
    connection = uuid.uuid4()
    with hub.subscribe("c-1") as queue:
        for event in _year("c-1", connection):
            hub.publish(event)
        days = await queue.take()
    assert len(days) == 366
    assert [d.metrics_date for d in days] == [START + timedelta(days=i) for i in range(366)]
    (message,) = live_messages("c-1", days, 500)
    assert len(json.loads(message)["days"]) == 366
    # Over the per-message limit, the same flush is split: 366 days in 100s -> 4 messages.
    assert [len(json.loads(m)["days"]) for m in live_messages("c-1", days, 100)] == [
        100,
        100,
        100,
        66,
    ]


async def test_a_flush_waits_for_the_burst_but_not_past_a_full_message() -> None:
    hub = LiveHub(LiveLimits(max_pending_days=1000, days_per_message=10, flush_seconds=30))
    connection = uuid.uuid4()
    with hub.subscribe("c-1") as queue:
        for day in range(10):  # a message's worth: no reason to wait the 30 s
            hub.publish(_event("c-1", connection, day))
        days = await asyncio.wait_for(queue.take(), 5)
    assert len(days) == 10


async def test_a_day_keeps_its_newest_revision_and_other_clients_are_not_offered() -> None:
    hub = LiveHub(INSTANT)
    connection = uuid.uuid4()
    with hub.subscribe("c-1") as queue:
        hub.publish(_event("c-1", connection, 0, followers=10, revision=2))
        hub.publish(_event("c-1", connection, 0, followers=5, revision=1))  # a redelivery
        hub.publish(_event("c-2", uuid.uuid4(), 0, followers=99))
        hub.publish(_event("c-1", connection, 1, followers=11, revision=3))
        hub.publish(_event("c-1", connection, 1, followers=12, revision=4))
        days = await queue.take()
    assert [(d.metrics_date, d.followers, d.revision) for d in days] == [
        (START, 10, 2),
        (START + timedelta(days=1), 12, 4),
    ]


def test_a_message_carries_the_days_figures_without_the_envelope() -> None:
    connection = uuid.UUID("8227a364-9caf-4981-ab36-7a0515aede59")
    (message,) = live_messages("c-1", [_event("c-1", connection, 0, revision=7)], 500)
    body = json.loads(message)
    assert body["type"] == "metrics.updated" and body["client_id"] == "c-1"
    (day,) = body["days"]
    assert day["connection_id"] == str(connection)
    assert day["platform"] == "tiktok" and day["metrics_date"] == "2025-11-20"
    assert (day["followers"], day["followers_change_1d"], day["revision"]) == (1000, 5, 7)
    assert not {"event_id", "occurred_at", "schema_version", "type", "client_id"} & set(day)


async def test_a_socket_gets_its_clients_updates_and_unsubscribes_when_it_leaves() -> None:
    hub = LiveHub(INSTANT)
    socket = FakeSocket()
    serving = await _opened(hub, "c-1", socket)
    connection = uuid.uuid4()
    for event in _year("c-1", connection):
        hub.publish(event)
    (message,) = await socket.messages(1)
    assert message["client_id"] == "c-1" and len(message["days"]) == 366
    socket.leave()
    assert await asyncio.wait_for(serving, 5) == "peer"
    assert hub.sockets("c-1") == 0 and hub.idle
    assert socket.closed is None  # nobody left to tell


async def test_a_socket_that_falls_behind_is_closed_1013_and_holds_up_no_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "CLOSE_TIMEOUT_SECONDS", 0.05)  # the stuck peer takes no close
    hub = LiveHub(LiveLimits(max_pending_days=50, days_per_message=10, flush_seconds=0))
    slow, fast = FakeSocket(stuck=True), FakeSocket()
    slow_serving = await _opened(hub, "c-1", slow)
    fast_serving = await _opened(hub, "c-1", fast)
    connection = uuid.uuid4()

    async def fast_has(count: int) -> bool:
        return len({d["metrics_date"] for m in fast.sent for d in m["days"]}) == count

    for chunk in range(4):  # 80 days in 4 bursts: the slow socket holds 20, 40, then overflows
        for day in range(20 * chunk, 20 * (chunk + 1)):
            hub.publish(_event("c-1", connection, day))
        await eventually(lambda: fast_has(20 * (chunk + 1)), timeout=5, interval=0.01)  # noqa: B023
    assert await asyncio.wait_for(slow_serving, 5) == "overflow"
    assert slow.closed is None  # the close frame could not get through either: dropped
    assert hub.sockets("c-1") == 1  # unsubscribed; the fast one goes on
    fast.leave()
    assert await asyncio.wait_for(fast_serving, 5) == "peer"
    assert hub.idle


async def test_an_overflowing_socket_that_still_reads_is_told_why() -> None:
    hub = LiveHub(LiveLimits(max_pending_days=3, days_per_message=10, flush_seconds=0))
    socket = FakeSocket()
    with hub.subscribe("c-1") as queue:
        for day in range(4):
            queue.offer(_event("c-1", uuid.uuid4(), day))
        assert queue.overflowed.is_set() and len(queue) == 0
    # Through serve_socket: the close frame carries 1013 and the reason.
    serving = await _opened(hub, "c-1", socket)
    for day in range(4):
        hub.publish(_event("c-1", uuid.uuid4(), day))
    assert await asyncio.wait_for(serving, 5) == "overflow"
    assert socket.closed == CLOSE_OVERFLOW
    assert hub.idle


async def test_a_socket_is_closed_1008_when_its_token_expires() -> None:
    hub = LiveHub(INSTANT)
    socket = FakeSocket()
    serving = asyncio.create_task(serve_socket(socket, hub, "c-1", expires_in=0))
    assert await asyncio.wait_for(serving, 5) == "expired"
    assert socket.closed == CLOSE_EXPIRED
    assert hub.idle


class _Record:
    def __init__(self, value: bytes | None) -> None:
        self.value = value


@pytest.mark.parametrize("watched", [True, False])
def test_the_feed_offers_only_watched_clients_and_skips_what_it_cannot_read(
    watched: bool,
) -> None:
    hub = LiveHub(INSTANT)
    feed = LiveFeed.__new__(LiveFeed)  # its subscriber is not needed to offer records
    feed._hub = hub
    connection = uuid.uuid4()
    records = [
        _Record(b"not json"),
        _Record(None),
        _Record(b'{"client_id": "c-1", "type": "something.else"}'),
        _Record(_event("c-2", connection, 0).model_dump_json().encode()),
        _Record(_event("c-1", connection, 1).model_dump_json().encode()),
    ]
    with hub.subscribe("c-1" if watched else "c-3") as queue:
        feed.offer(records)
        assert len(queue) == (1 if watched else 0)
