"""The ingestor's handlers on FastStream's ``TestKafkaBroker``, on a migrated SQLite database,
with a syncer that fetches nothing from any platform.

A connection established becomes a known connection and asks for its initial sync, which the
sync-requests handler (the same broker) runs and records; a platform's failure is published and
the run parked; a connection removed is no longer synced.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from faststream.kafka import TestKafkaBroker
from faststream.message import StreamMessage
from sqlmodel import select

from services.ingestor import handlers
from services.ingestor.app import MIGRATIONS
from services.ingestor.connector_client import ConnectorClient
from services.ingestor.context import IngestorContext
from services.ingestor.models import KnownConnection, SyncRun, SyncStatus
from services.ingestor.settings import IngestorSettings
from services.ingestor.syncing import Syncer, SyncResult
from shared.db.migrations import upgrade
from shared.events import (
    AccountSnapshot,
    ConnectionEstablished,
    ConnectionRemoved,
    SyncFailed,
    SyncReason,
    SyncRequested,
)
from shared.messaging import topics
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.service import Runtime
from tests.support.clock import TODAY
from tests.support.intake import at, snapshot
from tests.unit.support import clear_lsa_env


class FakeSyncer(Syncer):
    """Lends a token to every connection; a sync answers one snapshot, or ``failure``."""

    def __init__(self) -> None:
        super().__init__({}, cast(ConnectorClient, None), backfill_days=0)
        self.failure: PlatformError | None = None
        self.ran: list[SyncRequested] = []

    async def borrow(self, requests: Sequence[SyncRequested]) -> dict[uuid.UUID, str | Exception]:
        return {r.connection_id: "token" for r in requests}

    async def run(
        self, request: SyncRequested, connection: KnownConnection, token: str
    ) -> SyncResult:
        self.ran.append(request)
        if self.failure is not None:
            raise self.failure
        return SyncResult([snapshot(request.connection_id, TODAY, followers=42)], [{"raw": 1}])


@dataclass
class Ingestor:
    context: IngestorContext
    syncer: FakeSyncer
    published: dict[str, list[bytes]]

    async def runs(self) -> list[SyncRun]:
        async with self.context.runtime.sessions() as session:
            return list((await session.exec(select(SyncRun))).all())

    async def known(self, connection_id: uuid.UUID) -> KnownConnection | None:
        async with self.context.runtime.sessions() as session:
            return await session.get(KnownConnection, connection_id)


@pytest.fixture
async def ingestor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Ingestor]:
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'ingestor.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    settings = IngestorSettings(database_url=url)
    runtime = Runtime.build(settings)
    syncer = FakeSyncer()
    context = IngestorContext(settings=settings, runtime=runtime, syncer=syncer)
    runtime.broker.include_router(handlers.register(context))
    published: dict[str, list[bytes]] = {}

    async def as_bytes(message: StreamMessage[Any]) -> Any:
        return message.body

    def capturing(topic: str) -> Callable[[bytes], Awaitable[None]]:
        async def capture(body: bytes) -> None:
            published.setdefault(topic, []).append(body)

        return capture

    for topic in (topics.snapshots(Platform.INSTAGRAM), topics.SYNC_FAILURES):
        runtime.broker.subscriber(topic, decoder=as_bytes)(capturing(topic))
    try:
        async with TestKafkaBroker(runtime.broker):
            yield Ingestor(context, syncer, published)
    finally:
        await runtime.engine.dispose()


def established(connection_id: uuid.UUID) -> ConnectionEstablished:
    return ConnectionEstablished(
        connection_id=connection_id,
        client_id="c-ingestor",
        platform=Platform.INSTAGRAM,
        platform_user_id="ig-1",
        username="dana",
        connected_at=at(TODAY, 2),
    )


async def publish(ingestor: Ingestor, topic: str, event: Any) -> None:
    body = event.model_dump_json().encode()
    await ingestor.context.runtime.broker.publish(body, topic, key=str(event.connection_id))


async def test_a_new_connection_is_known_and_gets_its_initial_sync(ingestor: Ingestor) -> None:
    cid = uuid.uuid4()
    event = established(cid)
    await publish(ingestor, topics.CONNECTIONS, event)

    known = await ingestor.known(cid)
    assert known is not None and known.active
    (request,) = ingestor.syncer.ran
    assert (request.sync_id, request.reason, request.backfill) == (
        event.event_id,
        SyncReason.INITIAL,
        True,
    )
    (run,) = await ingestor.runs()
    assert (run.id, run.status, run.snapshots) == (event.event_id, SyncStatus.SUCCEEDED, 1)
    (body,) = ingestor.published[topics.snapshots(Platform.INSTAGRAM)]
    assert AccountSnapshot.model_validate_json(body).connection_id == cid


async def test_a_platform_failure_is_published_and_the_run_parked(ingestor: Ingestor) -> None:
    cid = uuid.uuid4()
    ingestor.syncer.failure = PlatformError(
        Platform.INSTAGRAM, ErrorClass.RATE_LIMITED, "slow down", retry_after=60
    )
    await publish(ingestor, topics.CONNECTIONS, established(cid))

    (run,) = await ingestor.runs()
    assert run.status == SyncStatus.DEFERRED
    assert run.not_before is not None
    (body,) = ingestor.published[topics.SYNC_FAILURES]
    failure = SyncFailed.model_validate_json(body)
    assert (failure.connection_id, failure.error_class) == (cid, ErrorClass.RATE_LIMITED.value)
    assert ingestor.published.get(topics.snapshots(Platform.INSTAGRAM)) is None


async def test_a_removed_connection_is_no_longer_synced(ingestor: Ingestor) -> None:
    cid = uuid.uuid4()
    await publish(ingestor, topics.CONNECTIONS, established(cid))
    removed = ConnectionRemoved(
        connection_id=cid, client_id="c-ingestor", platform=Platform.INSTAGRAM
    )
    await publish(ingestor, topics.CONNECTIONS, removed)
    known = await ingestor.known(cid)
    assert known is not None and not known.active

    daily = SyncRequested(
        connection_id=cid,
        client_id="c-ingestor",
        platform=Platform.INSTAGRAM,
        reason=SyncReason.DAILY,
    )
    await publish(ingestor, topics.SYNC_REQUESTS, daily)
    assert len(ingestor.syncer.ran) == 1  # the initial sync only
