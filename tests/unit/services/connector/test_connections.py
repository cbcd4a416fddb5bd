"""Connector use cases over a real SQLite database and the emulator-backed Instagram client."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from emulator.settings import EmulatorSettings
from services.connector.app import MIGRATIONS
from services.connector.connections import to_public
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus, OAuthState
from services.connector.oauth import ConnectError, complete_connect, start_connect
from services.connector.schemas import ConnectionPublic
from services.connector.settings import ConnectorSettings
from services.connector.tokens import ConnectionGone, ReauthorizationNeeded, TokenKeeper
from shared import clock
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.db.types import as_utc
from shared.events import ConnectionEstablished, ConnectionRemoved, connection_event_adapter
from shared.messaging import topics
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from tests.support.clock import TODAY
from tests.unit.support import (
    Emulated,
    clear_lsa_env,
    consent,
    emulated_instagram,
    query_of,
)

CLIENT_ID = "client-42"
LONG_TTL = 5_184_000
RowT = TypeVar("RowT", Connection, OAuthState, OutboxMessage)


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    emu: Emulated
    settings: ConnectorSettings
    cipher: TokenCipher

    async def start(self, client_id: str = CLIENT_ID) -> tuple[str, str, datetime]:
        """Start a connection: (state from the URL, authorization URL, state expiry)."""
        async with self.sessions() as session:
            started = await start_connect(
                session,
                client_id=client_id,
                platform=Platform.INSTAGRAM,
                client=self.emu.instagram,
                settings=self.settings,
                cipher=self.cipher,
            )
        state = query_of(started.authorization_url)["state"]
        return state, started.authorization_url, started.expires_at

    async def approve(self, url: str, account: str = "steady_creator") -> dict[str, str]:
        return await consent(self.emu.http, url, account=account)

    async def complete(
        self,
        *,
        state: str | None,
        code: str | None = None,
        error: str | None = None,
        platform: Platform = Platform.INSTAGRAM,
    ) -> Connection:
        async with self.sessions() as session:
            return await complete_connect(
                session,
                platform=platform,
                state=state,
                code=code,
                error=error,
                client=self.emu.instagram,
                cipher=self.cipher,
            )

    async def connect(self, account: str = "steady_creator") -> Connection:
        state, url, _ = await self.start()
        answer = await self.approve(url, account)
        assert answer["state"] == state  # the platform echoes the state back
        return await self.complete(state=state, code=answer["code"])

    async def rows(self, model: type[RowT]) -> list[RowT]:
        async with self.sessions() as session:
            return list((await session.exec(select(model))).all())


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'connector.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def world(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    clear_lsa_env(monkeypatch)
    settings = ConnectorSettings(database_url=SecretStr(str(engine.url)))
    key = base64.b64encode(os.urandom(32)).decode()
    cipher = TokenCipher.from_spec(f"test:{key}")
    emulator = EmulatorSettings(today=TODAY, instagram_long_token_ttl_s=LONG_TTL)
    async with emulated_instagram(emulator) as emu:
        yield World(make_sessionmaker(engine), emu, settings, cipher)


async def test_start_connect_stores_only_the_state_hash(world: World) -> None:
    before = clock.now()
    state, url, expires_at = await world.start()

    (row,) = await world.rows(OAuthState)
    assert row.state_hash == hashlib.sha256(state.encode()).hexdigest()
    assert row.client_id == CLIENT_ID
    assert row.platform == "instagram"
    assert row.redirect_uri.endswith("/api/portal/social/callback/instagram")
    assert state not in json.dumps(row.model_dump(mode="json"))
    ttl = timedelta(seconds=world.settings.state_ttl_seconds)
    assert before + ttl <= expires_at <= clock.now() + ttl
    assert as_utc(row.expires_at) == expires_at
    assert url.startswith("http://emulator/www.instagram.com/oauth/authorize?")


async def test_two_starts_give_different_states(world: World) -> None:
    first, _, _ = await world.start()
    second, _, _ = await world.start()
    assert first != second
    assert len(await world.rows(OAuthState)) == 2


async def test_complete_connect_stores_an_encrypted_connection_and_one_event(
    world: World,
) -> None:
    connection = await world.connect()

    (stored,) = await world.rows(Connection)
    assert stored.id == connection.id
    assert stored.client_id == CLIENT_ID
    assert stored.platform == "instagram"
    assert stored.username == "steady_creator"
    assert stored.status == ConnectionStatus.ACTIVE
    assert stored.scopes == "instagram_business_basic,instagram_business_manage_insights"
    assert stored.access_token_ct.startswith("v1.test.")
    assert stored.refresh_token_ct is None

    clear, expires_at = await lend(world, connection.id)
    assert clear.startswith("IGAA")
    assert clear not in stored.access_token_ct
    # The clear token is the one the platform accepts.
    assert (await world.emu.instagram.identity(clear)).username == "steady_creator"
    assert expires_at is not None
    assert timedelta(seconds=LONG_TTL - 60) < expires_at - clock.now()
    assert expires_at - clock.now() <= timedelta(seconds=LONG_TTL)

    assert await world.rows(OAuthState) == []  # the state was single-use

    (message,) = await world.rows(OutboxMessage)
    assert message.topic == topics.CONNECTIONS
    assert message.key == str(connection.id)
    assert message.published_at is None
    assert clear not in message.payload
    assert "token" not in message.payload
    event = connection_event_adapter.validate_json(message.payload)
    assert isinstance(event, ConnectionEstablished)
    assert event.connection_id == connection.id
    assert event.client_id == CLIENT_ID
    assert event.platform is Platform.INSTAGRAM
    assert event.username == "steady_creator"
    assert event.platform_user_id == stored.platform_user_id
    assert event.reconnected is False


async def test_reusing_a_state_is_invalid(world: World) -> None:
    state, url, _ = await world.start()
    answer = await world.approve(url)
    await world.complete(state=state, code=answer["code"])
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, code=answer["code"])
    assert raised.value.code == "invalid_state"
    assert len(await world.rows(Connection)) == 1
    assert len(await world.rows(OutboxMessage)) == 1


@pytest.mark.parametrize("state", [None, "", "never-issued"])
async def test_missing_or_unknown_state_is_invalid(world: World, state: str | None) -> None:
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, code="AQ-whatever")
    assert raised.value.code == "invalid_state"


async def test_expired_state(world: World) -> None:
    state, url, _ = await world.start()
    answer = await world.approve(url)
    async with world.sessions() as session:
        row = (await session.exec(select(OAuthState))).one()
        row.expires_at = clock.now() - timedelta(seconds=1)
        session.add(row)
        await session.commit()

    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, code=answer["code"])
    assert raised.value.code == "expired_state"
    assert await world.rows(Connection) == []
    assert await world.rows(OutboxMessage) == []


async def test_access_denied_stores_nothing(world: World) -> None:
    state, _, _ = await world.start()
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, error="access_denied")
    assert raised.value.code == "access_denied"
    assert await world.rows(Connection) == []
    assert await world.rows(OutboxMessage) == []
    assert await world.rows(OAuthState) == []


async def test_other_platform_errors_are_reported_as_such(world: World) -> None:
    state, _, _ = await world.start()
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, error="server_error")
    assert raised.value.code == "platform_error"
    assert await world.rows(Connection) == []


async def test_missing_code(world: World) -> None:
    state, _, _ = await world.start()
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, code=None)
    assert raised.value.code == "missing_code"


async def test_code_rejected_by_the_platform_stores_nothing(world: World) -> None:
    state, _, _ = await world.start()
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, code="AQ-forged-code")
    assert raised.value.code == "code_rejected"
    assert await world.rows(Connection) == []
    assert await world.rows(OutboxMessage) == []


async def test_state_of_one_platform_on_another_platforms_callback(world: World) -> None:
    state, url, _ = await world.start()
    answer = await world.approve(url)
    with pytest.raises(ConnectError) as raised:
        await world.complete(state=state, code=answer["code"], platform=Platform.TIKTOK)
    assert raised.value.code == "invalid_state"
    assert await world.rows(Connection) == []


async def test_reconnect_keeps_the_connection_and_its_refresh_token(world: World) -> None:
    first = await world.connect()
    refresh_ct = world.cipher.encrypt("stored-refresh", aad=f"connection:{first.id}:refresh")
    async with world.sessions() as session:
        row = await session.get(Connection, first.id)
        assert row is not None
        row.refresh_token_ct = refresh_ct
        row.status = ConnectionStatus.REAUTH_REQUIRED
        session.add(row)
        await session.commit()
    first_ct = first.access_token_ct

    second = await world.connect()

    (stored,) = await world.rows(Connection)
    assert second.id == first.id == stored.id
    assert stored.status == ConnectionStatus.ACTIVE
    assert stored.refresh_token_ct == refresh_ct  # the new grant had none: the old one stays
    assert stored.access_token_ct != first_ct
    assert (
        world.cipher.decrypt(stored.refresh_token_ct, aad=f"connection:{stored.id}:refresh")
        == "stored-refresh"
    )

    messages = await world.rows(OutboxMessage)
    events = [connection_event_adapter.validate_json(m.payload) for m in messages]
    assert [type(e) for e in events] == [ConnectionEstablished, ConnectionEstablished]
    assert [getattr(e, "reconnected", None) for e in events] == [False, True]
    assert {e.connection_id for e in events} == {first.id}


async def test_connecting_another_account_replaces_the_connection(world: World) -> None:
    first = await world.connect("steady_creator")
    second = await world.connect("viral_vera")

    (stored,) = await world.rows(Connection)
    assert stored.id == second.id != first.id
    assert stored.username == "viral_vera"
    events = [
        connection_event_adapter.validate_json(m.payload) for m in await world.rows(OutboxMessage)
    ]
    assert [type(e) for e in events] == [
        ConnectionEstablished,
        ConnectionRemoved,
        ConnectionEstablished,
    ]
    assert events[1].connection_id == first.id
    assert events[2].connection_id == second.id


async def test_access_token_is_refused_for_unknown_or_inactive_connections(
    world: World,
) -> None:
    connection = await world.connect()
    with pytest.raises(ConnectionGone):
        await lend(world, uuid.UUID(int=0))
    async with world.sessions() as session:
        row = await session.get(Connection, connection.id)
        assert row is not None
        row.status = ConnectionStatus.REAUTH_REQUIRED
        session.add(row)
        await session.commit()
    with pytest.raises(ReauthorizationNeeded):
        await lend(world, connection.id)


async def test_public_view_carries_no_token(world: World) -> None:
    connection = await world.connect()
    clear, _ = await lend(world, connection.id)

    public = to_public(connection, world.emu.instagram.refresh_policy)
    assert isinstance(public, ConnectionPublic)
    token_fields = {name for name in ConnectionPublic.model_fields if "token" in name}
    assert token_fields == {"token_health", "token_expires_at"}
    dumped = public.model_dump_json()
    assert clear not in dumped
    assert connection.access_token_ct not in dumped
    assert "v1." not in dumped
    assert public.id == connection.id
    assert public.username == "steady_creator"
    assert public.token_health == "ok"
    assert public.token_expires_at is not None


async def lend(world: World, connection_id: uuid.UUID) -> tuple[str, datetime | None]:
    """Borrow the clear access token as the internal route does."""
    keeper = TokenKeeper(world.sessions, world.cipher, {Platform.INSTAGRAM: world.emu.instagram})
    connection = await keeper.lend(connection_id)
    return keeper.decrypt_access(connection), as_utc(connection.access_expires_at)
