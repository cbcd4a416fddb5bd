"""Live updates in one replica: which open sockets watch which client, and what each still owes.

Every replica sees every ``MetricsUpdated`` (``live_feed``) and offers it to the sockets it holds
for the event's client. Offering never waits: each socket has its own bounded queue of pending
days, coalesced per (connection, day) to the newest revision, and its own sender, which sends
everything pending as one message per flush (split at ``days_per_message``), so a year of
backfill — hundreds of events — goes out as a few messages. A socket whose queue overflows (its
reader is too slow) is closed with 1013 instead of holding up the feed or the other sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import orjson
from prometheus_client import Counter, Gauge

from services.analytics.settings import AnalyticsSettings
from shared.events import MetricsUpdated
from shared.logging import get_logger

log = get_logger(__name__)

MESSAGE_TYPE = "metrics.updated"
#: What a day in a live message leaves out of its event: the envelope, and the client (said once).
ENVELOPE = frozenset({"type", "event_id", "occurred_at", "schema_version", "client_id"})
#: How long a close handshake may take before the socket is simply dropped (a stuck reader).
CLOSE_TIMEOUT_SECONDS = 5.0
#: Close codes (RFC 6455 §7.4.1) and reasons, by why a socket ended.
CLOSE_OVERFLOW = (1013, "too far behind: read the API again and reconnect")
CLOSE_EXPIRED = (1008, "token expired: reconnect with a fresh token")

LIVE_SOCKETS = Gauge("lsa_live_sockets", "Open live-update WebSockets.")
LIVE_MESSAGES = Counter("lsa_live_messages_sent_total", "Live-update messages sent.")
LIVE_ENDED = Counter(
    "lsa_live_sockets_ended_total",
    "Live-update WebSockets ended (reason: peer, overflow, expired, send_failed).",
    ["reason"],
)


@dataclass(frozen=True)
class LiveLimits:
    max_pending_days: int = 5000
    days_per_message: int = 500
    flush_seconds: float = 0.2


class LiveQueue:
    """One socket's pending days: bounded, newest revision per (connection, day)."""

    def __init__(self, client_id: str, limits: LiveLimits) -> None:
        self.client_id = client_id
        self._limits = limits
        self._pending: dict[tuple[uuid.UUID, date], MetricsUpdated] = {}
        self._waiting = asyncio.Event()
        self._full = asyncio.Event()
        #: Set once more days were pending than allowed; the queue takes nothing from then on.
        self.overflowed = asyncio.Event()

    def offer(self, event: MetricsUpdated) -> None:
        """Queue ``event`` without waiting (the feed calls this for every socket of the client)."""
        if self.overflowed.is_set():
            return
        key = (event.connection_id, event.metrics_date)
        held = self._pending.get(key)
        if held is None and len(self._pending) >= self._limits.max_pending_days:
            self._pending.clear()
            self.overflowed.set()
            return
        if held is None or event.revision >= held.revision:  # a redelivery never goes back
            self._pending[key] = event
        self._waiting.set()
        if len(self._pending) >= self._limits.days_per_message:
            self._full.set()

    def __len__(self) -> int:
        return len(self._pending)

    async def take(self) -> list[MetricsUpdated]:
        """Everything pending, once something is: after ``flush_seconds``, or at once when a
        message's worth is waiting. Sorted by connection and day."""
        await self._waiting.wait()
        if self._limits.flush_seconds > 0 and not self._full.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._limits.flush_seconds)
        self._waiting.clear()
        self._full.clear()
        days, self._pending = list(self._pending.values()), {}
        days.sort(key=lambda day: (str(day.connection_id), day.metrics_date))
        return days


class LiveHub:
    """client_id → the open sockets' queues, in this replica."""

    def __init__(self, limits: LiveLimits | None = None) -> None:
        self.limits = limits or LiveLimits()
        self._queues: dict[str, set[LiveQueue]] = {}

    @classmethod
    def from_settings(cls, settings: AnalyticsSettings) -> LiveHub:
        return cls(
            LiveLimits(
                max_pending_days=settings.live_max_pending_days,
                days_per_message=settings.live_days_per_message,
                flush_seconds=settings.live_flush_seconds,
            )
        )

    @property
    def idle(self) -> bool:
        """No socket is open: the feed need not even parse what it reads."""
        return not self._queues

    def watches(self, client_id: str) -> bool:
        return client_id in self._queues

    def sockets(self, client_id: str) -> int:
        return len(self._queues.get(client_id, ()))

    @contextlib.contextmanager
    def subscribe(self, client_id: str) -> Iterator[LiveQueue]:
        """A queue for one socket, offered the client's events until the block ends."""
        queue = LiveQueue(client_id, self.limits)
        self._queues.setdefault(client_id, set()).add(queue)
        LIVE_SOCKETS.inc()
        try:
            yield queue
        finally:
            queues = self._queues.get(client_id, set())
            queues.discard(queue)
            if not queues:
                self._queues.pop(client_id, None)
            LIVE_SOCKETS.dec()

    def publish(self, event: MetricsUpdated) -> None:
        for queue in self._queues.get(event.client_id, ()):
            queue.offer(event)


def day_payload(event: MetricsUpdated) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude=set(ENVELOPE))


def live_messages(
    client_id: str, days: Sequence[MetricsUpdated], days_per_message: int
) -> list[str]:
    """The JSON text frames for ``days``: ``{"type", "client_id", "days": [...]}`` each."""
    return [
        orjson.dumps(
            {
                "type": MESSAGE_TYPE,
                "client_id": client_id,
                "days": [day_payload(day) for day in days[start : start + days_per_message]],
            }
        ).decode()
        for start in range(0, len(days), days_per_message)
    ]


class Socket(Protocol):
    """What :func:`serve_socket` needs of a WebSocket (Starlette's has it)."""

    async def accept(self) -> None: ...

    async def send_text(self, data: str) -> None: ...

    async def receive(self) -> Any: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


async def serve_socket(socket: Socket, hub: LiveHub, client_id: str, *, expires_in: float) -> str:
    """Accept ``socket`` and push ``client_id``'s updates to it until it ends; returns why:
    ``peer`` (it left), ``overflow`` (closed 1013), ``expired`` (its token; closed 1008) or
    ``send_failed``.

    The queue is subscribed before the handshake completes, so whatever lands after a client
    sees the socket open reaches it.
    """
    with hub.subscribe(client_id) as queue:
        await socket.accept()
        sending = asyncio.create_task(_send_all(socket, queue, hub.limits.days_per_message))
        leaving = asyncio.create_task(_until_disconnect(socket))
        overflow = asyncio.create_task(queue.overflowed.wait())
        expiry = asyncio.create_task(asyncio.sleep(max(0.0, expires_in)))
        # By priority when several end at once: a peer that left cannot be sent a close.
        reasons = {leaving: "peer", overflow: "overflow", expiry: "expired", sending: "send_failed"}
        try:
            done, _ = await asyncio.wait(reasons, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in reasons:
                task.cancel()
            outcomes = await asyncio.gather(*reasons, return_exceptions=True)
        ended = next(reason for task, reason in reasons.items() if task in done)
    if ended == "send_failed":
        error = outcomes[list(reasons).index(sending)]
        log.info("live socket send failed", client_id=client_id, error=type(error).__name__)
    closing = {"overflow": CLOSE_OVERFLOW, "expired": CLOSE_EXPIRED}.get(ended)
    if closing is not None:
        with contextlib.suppress(Exception):  # already gone, or too stuck to take a close frame
            await asyncio.wait_for(socket.close(*closing), CLOSE_TIMEOUT_SECONDS)
    LIVE_ENDED.labels(ended).inc()
    return ended


async def _send_all(socket: Socket, queue: LiveQueue, days_per_message: int) -> None:
    while True:
        days = await queue.take()
        for message in live_messages(queue.client_id, days, days_per_message):
            await socket.send_text(message)
            LIVE_MESSAGES.inc()


async def _until_disconnect(socket: Socket) -> None:
    """Read until the peer leaves; what it sends is ignored (the socket only pushes)."""
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            return
