"""The connector's handlers on FastStream's ``TestKafkaBroker``, on a migrated SQLite database:
a live snapshot sets the connection's last sync (a backfilled one does not), and a sync the
platform refused for good marks the connection and queues ``connection.reauth_required``."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from pydantic import SecretStr
from sqlmodel import select

from services.connector import handlers
from services.connector.app import MIGRATIONS
from services.connector.context import ConnectorContext
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus
from services.connector.settings import ConnectorSettings
from services.connector.tokens import TokenKeeper
from shared.db.migrations import upgrade
from shared.db.types import as_utc
from shared.events import ReauthorizationRequired, SyncFailed, SyncReason, connection_event_adapter
from shared.messaging import topics
from shared.outbox import OutboxMessage, OutboxRelay
from shared.platforms import Platform
from shared.platforms.base import ErrorClass
from shared.service import Runtime
from tests.support.clock import TODAY
from tests.support.intake import YESTERDAY, at, snapshot
from tests.unit.support import clear_lsa_env


@dataclass
class Connector:
    context: ConnectorContext
    connection_id: uuid.UUID

    async def connection(self) -> Connection:
        async with self.context.runtime.sessions() as session:
            found = await session.get(Connection, self.connection_id)
        assert found is not None
        return found

    async def outbox(self) -> list[OutboxMessage]:
        async with self.context.runtime.sessions() as session:
            return list((await session.exec(select(OutboxMessage))).all())

    async def publish(self, topic: str, event: Any) -> None:
        body = event.model_dump_json().encode()
        await self.context.runtime.broker.publish(body, topic, key=str(self.connection_id))


@pytest.fixture
async def connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Connector]:
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'connector.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    settings = ConnectorSettings(database_url=SecretStr(url))
    runtime = Runtime.build(settings)
    cipher = TokenCipher.from_spec(f"test:{base64.b64encode(os.urandom(32)).decode()}")
    relay = OutboxRelay(runtime.engine, runtime.publisher)
    keeper = TokenKeeper(runtime.sessions, cipher, {}, on_enqueued=relay.wake)
    context = ConnectorContext(
        settings=settings, runtime=runtime, cipher=cipher, clients={}, relay=relay, keeper=keeper
    )
    runtime.broker.include_router(handlers.register(context))
    connection = Connection(
        client_id="c-connector",
        platform=Platform.INSTAGRAM,
        platform_user_id="ig-1",
        username="dana",
        access_token_ct="v1.test.not-a-real-token",
    )
    async with runtime.sessions() as session:
        session.add(connection)
        await session.commit()
        connection_id = connection.id
    try:
        async with TestKafkaBroker(runtime.broker):
            yield Connector(context, connection_id)
    finally:
        await runtime.engine.dispose()


def failure(connector: Connector, error_class: ErrorClass) -> SyncFailed:
    return SyncFailed(
        sync_id=uuid.uuid4(),
        connection_id=connector.connection_id,
        client_id="c-connector",
        platform=Platform.INSTAGRAM,
        reason=SyncReason.DAILY,
        error_class=error_class.value,
        message="the platform said no",
    )


async def test_a_live_snapshot_sets_the_last_sync_and_a_backfilled_one_does_not(
    connector: Connector,
) -> None:
    topic = topics.snapshots(Platform.INSTAGRAM)
    await connector.publish(topic, snapshot(connector.connection_id, YESTERDAY, followers=9))
    await connector.publish(
        topic, snapshot(connector.connection_id, TODAY, followers=9, hour=8, backfill=True)
    )
    assert as_utc((await connector.connection()).last_synced_at) == at(YESTERDAY, 3)


async def test_a_sync_refused_for_good_asks_the_client_to_reconnect(
    connector: Connector,
) -> None:
    await connector.publish(topics.SYNC_FAILURES, failure(connector, ErrorClass.TRANSIENT))
    assert (await connector.connection()).status == ConnectionStatus.ACTIVE
    assert await connector.outbox() == []

    refused = failure(connector, ErrorClass.REAUTH_REQUIRED)
    await connector.publish(topics.SYNC_FAILURES, refused)
    await connector.publish(topics.SYNC_FAILURES, refused)  # redelivered: queued once
    connection = await connector.connection()
    assert connection.status == ConnectionStatus.REAUTH_REQUIRED
    assert connection.reauth_reason == "the platform said no"
    (message,) = await connector.outbox()
    event = connection_event_adapter.validate_json(message.payload)
    assert isinstance(event, ReauthorizationRequired)
    assert event.connection_id == connector.connection_id
