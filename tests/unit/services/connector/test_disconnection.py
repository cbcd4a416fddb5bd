"""Disconnecting (revoke best effort, tokens deleted whatever the platform says), the columns'
enums, and the OAuth state's verifier under key rotation — on a real SQLite connector database
with a scriptable platform."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

import services.connector
from services.connector import disconnection
from services.connector.connections import store_connection
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus, OAuthState
from services.connector.oauth import start_connect, state_aad
from services.connector.settings import ConnectorSettings
from services.connector.tokens import TokenKeeper, mark_reauth_required
from services.connector.upkeep import reencrypt_all
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import ConnectionRemoved, connection_event_adapter
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from shared.platforms.base import ErrorClass
from tests.unit.services.connector.fake_platform import FakePlatform

MIGRATIONS = Path(services.connector.__file__).parent / "migrations"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@dataclass
class Desk:
    sessions: async_sessionmaker[AsyncSession]
    cipher: TokenCipher
    platform: FakePlatform

    def keeper(self) -> TokenKeeper:
        return TokenKeeper(self.sessions, self.cipher, {self.platform.platform: self.platform})

    async def connect(self) -> Connection:
        async with self.sessions() as session:
            return await store_connection(
                session,
                client_id="c1",
                platform=self.platform.platform,
                grant=self.platform.grant(),
                platform_user_id="u1",
                username="fake_user",
                cipher=self.cipher,
            )

    async def disconnect(self, connection: Connection, *, enabled: bool = True) -> bool:
        keeper = self.keeper()
        async with self.sessions() as session:
            row = await session.get(Connection, connection.id)
            assert row is not None
            return await disconnection.disconnect(
                session,
                row,
                clients=keeper.clients if enabled else {},
                keeper=keeper,
                purge_history=True,
            )

    async def row(self, connection: Connection) -> Connection | None:
        async with self.sessions() as session:
            return await session.get(Connection, connection.id)

    async def last_event(self) -> object:
        async with self.sessions() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        return connection_event_adapter.validate_json(rows[-1].payload)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'connector.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    yield Desk(make_sessionmaker(engine), TokenCipher.from_spec(f"k1:{new_key()}"), FakePlatform())
    await engine.dispose()


async def test_disconnect_revokes_the_clear_token_then_deletes_and_announces(desk: Desk) -> None:
    connection = await desk.connect()
    clear = desk.keeper().decrypt_access(connection)
    assert await desk.disconnect(connection)
    assert desk.platform.revoked == [clear]
    assert await desk.row(connection) is None
    event = await desk.last_event()
    assert isinstance(event, ConnectionRemoved)
    assert event.purge_history and event.platform is Platform.X


@pytest.mark.parametrize("refusal", [ErrorClass.TRANSIENT, ErrorClass.REAUTH_REQUIRED])
async def test_a_failed_revoke_still_deletes_the_tokens(desk: Desk, refusal: ErrorClass) -> None:
    connection = await desk.connect()
    desk.platform.refuse_revoke = refusal
    assert not await desk.disconnect(connection)
    assert desk.platform.revoked == []
    assert await desk.row(connection) is None
    assert isinstance(await desk.last_event(), ConnectionRemoved)


async def test_a_disabled_platform_is_not_asked_and_the_tokens_go_anyway(desk: Desk) -> None:
    connection = await desk.connect()
    assert not await desk.disconnect(connection, enabled=False)
    assert desk.platform.revoked == []
    assert await desk.row(connection) is None


async def test_platform_and_status_are_read_back_as_enums(desk: Desk) -> None:
    connection = await desk.connect()
    row = await desk.row(connection)
    assert row is not None
    assert row.platform is Platform.X and row.status is ConnectionStatus.ACTIVE
    async with desk.sessions() as session:
        row = await session.get(Connection, connection.id)
        assert row is not None
        assert mark_reauth_required(session, row, "x" * 2000)
        await session.commit()
    dead = await desk.row(connection)
    assert dead is not None and dead.status is ConnectionStatus.REAUTH_REQUIRED
    assert dead.reauth_reason == "x" * 500  # cut to the column's length


async def test_reencryption_moves_a_pending_states_verifier_too(desk: Desk) -> None:
    settings = ConnectorSettings(
        database_url=SecretStr("sqlite+aiosqlite://"), public_base_url="https://lsa.example.test"
    )
    async with desk.sessions() as session:
        await start_connect(
            session,
            client_id="c1",
            platform=Platform.X,
            client=desk.platform,
            settings=settings,
            cipher=desk.cipher,
        )
    key = base64.b64encode(desk.cipher.keys[desk.cipher.primary]).decode()
    rotated = TokenCipher.from_spec(f"k1:{key},k2:{new_key()}", primary="k2")
    async with desk.sessions() as session:
        assert await reencrypt_all(session, rotated) == 1  # the verifier; no connection yet
        state = (await session.exec(select(OAuthState))).one()
    assert state.platform is Platform.X
    assert state.code_verifier_ct is not None and state.code_verifier_ct.startswith("v1.k2.")
    only_new = TokenCipher(keys={"k2": rotated.keys["k2"]}, primary="k2")
    assert only_new.decrypt(state.code_verifier_ct, aad=state_aad(state.state_hash))
