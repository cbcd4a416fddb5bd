"""Live updates across two analytics replicas, and through the local gateway.

Replica A is the running system's analytics; replica B is a second app with the same settings,
broker and database, so the two share the consumer group ``analytics.snapshots``. Once the group
has split the snapshot topic's partitions between them, the test picks one connection whose
snapshots B derives and one that A derives (by the producer's partitioner), and checks that a
socket on either replica gets both connections' updates: every replica sees every
``MetricsUpdated``, whichever replica derived it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import websockets
from aiokafka.partitioner import DefaultPartitioner
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from services.analytics.app import create_app
from services.analytics.live import LiveHub
from services.local.broker import free_port
from services.local.gateway import create_gateway
from shared import clock
from shared.auth import Role, issue_token
from shared.events import AccountSnapshot
from shared.messaging import topics
from shared.platforms import Platform
from tests.support.system import RunningSystem, serve
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
PLATFORM = Platform.TIKTOK
TOPIC = topics.snapshots(PLATFORM)
PORTAL, ADMIN = "/api/portal/social/live", "/api/admin/social/clients/{}/live"


@dataclass
class Replicas:
    system: RunningSystem
    a: str
    b: str
    apps: tuple[FastAPI, FastAPI]

    def token(self, role: Role, client_id: str | None = None, ttl: int = 3600) -> str:
        settings = self.system.apps["analytics"].state.auth_settings
        return issue_token(settings, role=role, client_id=client_id, ttl_seconds=ttl)

    async def publish(self, connection_id: uuid.UUID, client_id: str, followers: list[int]) -> None:
        """Live snapshots of the last ``len(followers)`` days, the oldest first."""
        publisher = self.apps[0].state.analytics.runtime.publisher
        today = clock.today()
        for back, count in zip(range(len(followers) - 1, -1, -1), followers, strict=True):
            day = today - timedelta(days=back)
            snapshot = AccountSnapshot(
                connection_id=connection_id,
                client_id=client_id,
                platform=PLATFORM,
                platform_user_id=f"u-{connection_id.hex[:8]}",
                username="live_creator",
                snapshot_date=day,
                fetched_at=datetime.combine(day, time(3), UTC),
                followers=count,
                posts=10,
            )
            await publisher.publish(TOPIC, snapshot, key=str(connection_id))


def _snapshot_partitions(app: FastAPI) -> set[int]:
    """The partitions of ``TOPIC`` this replica's ``analytics.snapshots`` consumer holds."""
    broker = app.state.analytics.runtime.broker
    for subscriber in broker.subscribers:
        if getattr(subscriber, "group_id", None) == "analytics.snapshots":
            consumer = subscriber.consumer
            if consumer is None:
                return set()
            return {tp.partition for tp in consumer.assignment() if tp.topic == TOPIC}
    raise AssertionError("no analytics.snapshots subscriber")


@pytest.fixture(scope="module")
async def replicas(system: RunningSystem) -> AsyncIterator[Replicas]:
    first = system.apps["analytics"]
    second = create_app(first.state.analytics.settings)
    port = free_port()
    server, task = await serve(second, port)
    try:

        async def split() -> bool:
            a, b = _snapshot_partitions(first), _snapshot_partitions(second)
            return bool(a) and bool(b) and not a & b and len(a | b) == _partitions(first)

        await eventually(split, timeout=90)
        yield Replicas(
            system, system.urls["analytics"], f"http://127.0.0.1:{port}", (first, second)
        )
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)


def _partitions(app: FastAPI) -> int:
    count: int = app.state.analytics.settings.common.kafka.topic_partitions
    return count


def _derived_by(app: FastAPI) -> uuid.UUID:
    """A connection id whose snapshots land on a partition ``app`` consumes (the producer's
    default partitioner on the key, the connection id)."""
    mine, every = _snapshot_partitions(app), list(range(_partitions(app)))
    partitioner = DefaultPartitioner()
    while True:
        candidate = uuid.uuid4()
        if partitioner(str(candidate).encode(), every, every) in mine:
            return candidate


def _ws(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


@contextlib.asynccontextmanager
async def _socket(url: str, token: str | None = None) -> AsyncIterator[ClientConnection]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with websockets.connect(url, additional_headers=headers, proxy=None) as socket:
        yield socket


Days = dict[tuple[str, str], dict[str, Any]]


async def _read_until(
    socket: ClientConnection, client_id: str, done: Callable[[Days], bool], timeout: float = 45
) -> Days:
    """The days received, newest revision per (connection, day), once ``done`` holds. Every
    message must be ``client_id``'s."""
    days: Days = {}
    async with asyncio.timeout(timeout):
        while not done(days):
            message = json.loads(await socket.recv())
            assert message["type"] == "metrics.updated"
            assert message["client_id"] == client_id
            for day in message["days"]:
                key = (day["connection_id"], day["metrics_date"])
                if key not in days or day["revision"] >= days[key]["revision"]:
                    days[key] = day
    return days


def _today_complete(*connections: uuid.UUID) -> Callable[[Days], bool]:
    """Each connection's today arrived with its 1-day change (yesterday derived too)."""
    today = clock.today().isoformat()

    def done(days: Days) -> bool:
        return all(
            days.get((str(c), today), {}).get("followers_change_1d") is not None
            for c in connections
        )

    return done


async def test_a_socket_on_either_replica_gets_updates_whichever_replica_derived_them(
    replicas: Replicas,
) -> None:
    client, other = f"live-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    on_b, on_a = _derived_by(replicas.apps[1]), _derived_by(replicas.apps[0])
    portal_a = _ws(replicas.a, PORTAL)
    admin_b = _ws(replicas.b, ADMIN.format(client))
    # The other client's socket passes its token in the query, as a browser would.
    other_a = _ws(replicas.a, f"{PORTAL}?access_token={replicas.token(Role.CLIENT, other)}")
    async with (
        _socket(portal_a, replicas.token(Role.CLIENT, client)) as socket_a,
        _socket(admin_b, replicas.token(Role.ADMIN)) as socket_b,
        _socket(other_a) as socket_other,
    ):
        await replicas.publish(on_b, client, [990, 1000])
        await replicas.publish(on_a, client, [500, 480])
        for socket in (socket_a, socket_b):
            days = await _read_until(socket, client, _today_complete(on_b, on_a))
            today = clock.today().isoformat()
            for connection, followers, change in ((on_b, 1000, 10), (on_a, 480, -20)):
                day = days[(str(connection), today)]
                assert (day["followers"], day["followers_change_1d"]) == (followers, change)
                assert day["platform"] == "tiktok" and day["username"] == "live_creator"
                assert day["posts"] == 10 and day["revision"] >= 1
        # The other client's socket got nothing of the first client's: its first messages, up
        # to its own update (published after the first client's all arrived), are its own.
        mine = uuid.uuid4()
        await replicas.publish(mine, other, [70])
        days = await _read_until(
            socket_other, other, lambda d: (str(mine), clock.today().isoformat()) in d
        )
        assert {connection for connection, _ in days} == {str(mine)}


async def _refusal(url: str, token: str | None = None) -> tuple[int, str]:
    """The close code and reason a refused socket gets before any message."""
    async with _socket(url, token) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("path", "token", "detail"),
    [
        (PORTAL, None, "missing bearer token"),
        (PORTAL, "not-a-jwt", "invalid token"),
        (PORTAL, "expired", "token expired"),
        (PORTAL, "admin", "this route is for clients"),
        (ADMIN.format("c-1"), "client", "this route is for admins"),
        (ADMIN.format("c-1"), None, "missing bearer token"),
    ],
)
async def test_a_bad_token_is_closed_1008_with_the_reason(
    replicas: Replicas, path: str, token: str | None, detail: str
) -> None:
    tokens = {
        "admin": replicas.token(Role.ADMIN),
        "client": replicas.token(Role.CLIENT, "c-1"),
        "expired": replicas.token(Role.CLIENT, "c-1", ttl=-10),
    }
    code, reason = await _refusal(_ws(replicas.a, path), tokens.get(token or "", token))
    assert code == 1008
    assert detail in reason
    assert replicas.apps[0].state.analytics.live.idle  # never subscribed


@pytest.fixture(scope="module")
async def gateway(replicas: Replicas) -> AsyncIterator[str]:
    """The local gateway in front of replica A (the other routes to the system's services)."""
    upstreams = {**replicas.system.urls, "analytics": replicas.a}
    port = free_port()
    server, task = await serve(create_gateway(upstreams), port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)


async def test_live_updates_through_the_local_gateway(replicas: Replicas, gateway: str) -> None:
    client = f"gw-{uuid.uuid4().hex[:6]}"
    code, reason = await _refusal(_ws(gateway, PORTAL), "not-a-jwt")  # the service's, relayed
    assert code == 1008 and "invalid token" in reason
    connection = _derived_by(replicas.apps[1])
    async with _socket(_ws(gateway, PORTAL), replicas.token(Role.CLIENT, client)) as socket:
        await replicas.publish(connection, client, [200, 230])
        days = await _read_until(socket, client, _today_complete(connection))
    day = days[(str(connection), clock.today().isoformat())]
    assert (day["followers"], day["followers_change_1d"]) == (230, 30)

    hub: LiveHub = replicas.apps[0].state.analytics.live

    async def unsubscribed() -> bool:  # the gateway closed its upstream socket with the client's
        return hub.sockets(client) == 0

    await eventually(unsubscribed, timeout=10)
