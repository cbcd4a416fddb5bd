"""Token custody in use: refresh with rotation, one refresh at a time, dead tokens, upkeep,
key re-encryption — against a real (SQLite) connector database and a scriptable platform."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector.app import MIGRATIONS
from services.connector.connections import store_connection
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus
from services.connector.tokens import ReauthorizationNeeded, TokenKeeper
from services.connector.upkeep import keep_tokens_alive, reencrypt_all
from shared import clock
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import connection_event_adapter
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy
from tests.unit.services.connector.fake_platform import FakePlatform


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@dataclass
class Vault:
    sessions: async_sessionmaker[AsyncSession]
    cipher: TokenCipher
    platform: FakePlatform

    def keeper(self) -> TokenKeeper:
        return TokenKeeper(self.sessions, self.cipher, {self.platform.platform: self.platform})

    async def connect(self, *, with_refresh: bool = True) -> Connection:
        async with self.sessions() as session:
            return await store_connection(
                session,
                client_id="c1",
                platform=self.platform.platform,
                grant=self.platform.grant(with_refresh=with_refresh),
                platform_user_id="u1",
                username="fake_user",
                cipher=self.cipher,
            )

    async def row(self, connection: Connection) -> Connection:
        async with self.sessions() as session:
            found = await session.get(Connection, connection.id)
            assert found is not None
            return found

    async def events(self) -> list[str]:
        async with self.sessions() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        return [connection_event_adapter.validate_json(r.payload).type for r in rows]

    async def set_expiry(self, connection: Connection, delta: timedelta) -> None:
        async with self.sessions() as session:
            row = await session.get(Connection, connection.id)
            assert row is not None
            row.access_expires_at = clock.now() + delta
            row.token_refreshed_at = clock.now() - timedelta(hours=2) + delta
            session.add(row)
            await session.commit()


@pytest.fixture
async def vault(tmp_path: Path) -> AsyncIterator[Vault]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'connector.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    yield Vault(make_sessionmaker(engine), TokenCipher.from_spec(f"k1:{new_key()}"), FakePlatform())
    await engine.dispose()


async def test_a_rotated_refresh_token_is_stored_before_the_new_access_token_is_lent(
    vault: Vault,
) -> None:
    connection = await vault.connect()
    keeper = vault.keeper()
    old_refresh = keeper.decrypt_refresh(connection)
    refreshed = await keeper.refresh(connection.id, reason="test")

    stored = await vault.row(connection)  # what is committed, not what is in memory
    new_refresh = keeper.decrypt_refresh(stored)
    assert new_refresh is not None and new_refresh != old_refresh
    assert new_refresh in vault.platform.live_refresh_tokens
    assert old_refresh not in vault.platform.live_refresh_tokens  # single use: spent
    assert keeper.decrypt_access(stored) == keeper.decrypt_access(refreshed)
    assert stored.refresh_lease_until is None  # lease released

    # And the chain goes on: the stored token is the one that works next time.
    await keeper.refresh(connection.id, reason="again")
    assert vault.platform.refreshes == 2


async def test_a_refresh_that_issues_no_new_refresh_token_keeps_the_old_one(vault: Vault) -> None:
    vault.platform.rotate = False
    connection = await vault.connect()
    keeper = vault.keeper()
    before = keeper.decrypt_refresh(connection)
    await keeper.refresh(connection.id, reason="test")
    assert keeper.decrypt_refresh(await vault.row(connection)) == before


async def test_two_replicas_never_spend_a_single_use_refresh_token_twice(vault: Vault) -> None:
    """Two keepers (two connector replicas) on one database refresh the same connection."""
    vault.platform.delay = 0.3
    connection = await vault.connect()
    first, second = vault.keeper(), vault.keeper()
    results = await asyncio.gather(
        first.refresh(connection.id, reason="replica 1"),
        second.refresh(connection.id, reason="replica 2"),
    )
    assert vault.platform.refreshes == 1
    tokens = {first.decrypt_access(r) for r in results}
    assert len(tokens) == 1  # both got the one new token
    assert (await vault.row(connection)).status == ConnectionStatus.ACTIVE


async def test_a_refused_refresh_marks_the_connection_and_asks_for_a_reconnect(
    vault: Vault,
) -> None:
    connection = await vault.connect()
    vault.platform.refuse_refresh = ErrorClass.REAUTH_REQUIRED
    keeper = vault.keeper()
    with pytest.raises(ReauthorizationNeeded):
        await keeper.refresh(connection.id, reason="test")
    row = await vault.row(connection)
    assert row.status == ConnectionStatus.REAUTH_REQUIRED
    assert row.reauth_reason and "invalid_grant" in row.reauth_reason
    assert await vault.events() == ["connection.established", "connection.reauth_required"]
    with pytest.raises(ReauthorizationNeeded):
        await keeper.lend(connection.id)


async def test_a_transient_refusal_changes_nothing(vault: Vault) -> None:
    connection = await vault.connect()
    vault.platform.refuse_refresh = ErrorClass.TRANSIENT
    keeper = vault.keeper()
    with pytest.raises(PlatformError):
        await keeper.refresh(connection.id, reason="test")
    row = await vault.row(connection)
    assert row.status == ConnectionStatus.ACTIVE and row.refresh_lease_until is None
    vault.platform.refuse_refresh = None
    await keeper.refresh(connection.id, reason="retry")  # the lease did not stay behind
    assert vault.platform.refreshes == 2


async def test_a_token_about_to_expire_is_refreshed_before_it_is_lent(vault: Vault) -> None:
    connection = await vault.connect()
    keeper = vault.keeper()
    before = keeper.decrypt_access(connection)
    assert keeper.decrypt_access(await keeper.lend(connection.id)) == before  # fresh: as is
    await vault.set_expiry(connection, timedelta(minutes=2))
    lent = await keeper.lend(connection.id)
    assert keeper.decrypt_access(lent) != before
    assert vault.platform.refreshes == 1


async def test_upkeep_refreshes_warns_and_buries(vault: Vault) -> None:
    due = await vault.connect()
    await vault.set_expiry(due, timedelta(minutes=30))  # past half of a 2-hour life

    # LinkedIn-like: no refresh token, dies in 3 days → warned once.
    vault.platform.platform = Platform.LINKEDIN
    vault.platform.refresh_policy = RefreshPolicy()
    dying = await vault.connect(with_refresh=False)
    await vault.set_expiry(dying, timedelta(days=3))
    keeper = TokenKeeper(
        vault.sessions,
        vault.cipher,
        {Platform.X: vault.platform, Platform.LINKEDIN: vault.platform},
    )

    counts = await keep_tokens_alive(keeper)
    assert counts["refreshed"] == 1 and counts["warned"] == 1 and counts["dead"] == 0
    again = await keep_tokens_alive(keeper)
    assert again["warned"] == 0  # once per token
    assert (await vault.events()).count("connection.token_expiring") == 1

    await vault.set_expiry(dying, timedelta(seconds=-1))
    buried = await keep_tokens_alive(keeper)
    assert buried["dead"] == 1
    assert (await vault.row(dying)).status == ConnectionStatus.REAUTH_REQUIRED
    assert (await vault.events()).count("connection.reauth_required") == 1


async def test_reencryption_moves_every_secret_to_the_new_primary_key(vault: Vault) -> None:
    connection = await vault.connect()
    old_cipher = vault.cipher
    clear = old_cipher.decrypt(connection.access_token_ct, aad=f"connection:{connection.id}:access")
    rotated = TokenCipher.from_spec(f"k1:{_key_of(old_cipher)},k2:{new_key()}", primary="k2")
    async with vault.sessions() as session:
        assert await reencrypt_all(session, rotated) == 2  # access and refresh token
    row = await vault.row(connection)
    assert row.access_token_ct.startswith("v1.k2.")
    assert rotated.decrypt(row.access_token_ct, aad=f"connection:{connection.id}:access") == clear
    only_new = TokenCipher(keys={"k2": rotated.keys["k2"]}, primary="k2")  # old key removed
    assert only_new.decrypt(row.access_token_ct, aad=f"connection:{connection.id}:access") == clear
    async with vault.sessions() as session:
        assert await reencrypt_all(session, rotated) == 0  # idempotent


def _key_of(cipher: TokenCipher) -> str:
    return base64.b64encode(cipher.keys[cipher.primary]).decode()
