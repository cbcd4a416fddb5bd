"""Every platform's whole connection life, against the emulator, through the connector's code.

connect (state, PKCE where the platform uses it) → refresh → refresh again (a rotated refresh
token must have been stored) → reconnect (same connection id: history kept) → revoked at the
platform → re-authorization requested → disconnect with revoke.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from emulator.app import create_app
from emulator.driver import consent
from emulator.settings import EmulatorSettings
from services.connector import connections, disconnection, oauth
from services.connector.app import MIGRATIONS
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus
from services.connector.settings import ConnectorSettings
from services.connector.tokens import ReauthorizationNeeded, TokenKeeper
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import connection_event_adapter
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from shared.platforms.base import PlatformError
from shared.platforms.registry import PlatformClient, build_clients
from tests.support.clock import TODAY
from tests.unit.support import clear_lsa_env

EMULATOR = "http://emulator"
ACCOUNT = "steady_creator"


@dataclass
class Life:
    platform: Platform
    client: PlatformClient
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    keeper: TokenKeeper
    settings: ConnectorSettings
    cipher: TokenCipher

    async def connect(self, client_id: str = "c1") -> Connection:
        async with self.sessions() as session:
            started = await oauth.start_connect(
                session,
                client_id=client_id,
                platform=self.platform,
                client=self.client,
                settings=self.settings,
                cipher=self.cipher,
            )
        if self.client.supports_pkce:
            assert "code_challenge=" in started.authorization_url
        location = await consent(self.http, started.authorization_url, account=ACCOUNT)
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        async with self.sessions() as session:
            return await oauth.complete_connect(
                session,
                platform=self.platform,
                state=query.get("state"),
                code=query.get("code"),
                error=query.get("error"),
                client=self.client,
                cipher=self.cipher,
            )

    async def row(self, connection_id: object) -> Connection | None:
        async with self.sessions() as session:
            return await session.get(Connection, connection_id)

    async def events(self) -> list[str]:
        async with self.sessions() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        return [connection_event_adapter.validate_json(r.payload).type for r in rows]

    async def fault(self, **spec: object) -> None:
        answer = await self.http.post(
            "/_emulator/faults", json={"platform": self.platform.value, **spec}
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture(params=list(Platform), ids=lambda p: p.value)
async def life(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Life]:
    clear_lsa_env(monkeypatch)
    platform: Platform = request.param
    emulator = create_app(
        EmulatorSettings(
            today=TODAY,
            instagram_min_refresh_age_s=0,  # refresh at once instead of after 24 h
            linkedin_issue_refresh_tokens=True,  # the partner programme: refreshable
        )
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'connector.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator), base_url=EMULATOR
    ) as http:
        clients = build_clients(http, emulator_url=EMULATOR)
        assert platform in clients, f"{platform} is not built"
        cipher = TokenCipher.from_spec(f"k:{base64.b64encode(os.urandom(32)).decode()}")
        sessions = make_sessionmaker(engine)
        yield Life(
            platform=platform,
            client=clients[platform],
            http=http,
            sessions=sessions,
            keeper=TokenKeeper(sessions, cipher, clients),
            settings=ConnectorSettings(
                database_url=SecretStr(url), public_base_url="https://lsa.example.test"
            ),
            cipher=cipher,
        )
    await engine.dispose()


async def test_the_whole_life_of_a_connection(life: Life) -> None:
    connection = await life.connect()
    first_token = life.keeper.decrypt_access(connection)
    identity = await life.client.identity(first_token)
    assert identity.platform_user_id == connection.platform_user_id

    # Refresh, twice: the second only works if a rotated refresh token was stored.
    refreshed = await life.keeper.refresh(connection.id, reason="test")
    again = await life.keeper.refresh(connection.id, reason="test again")
    token = life.keeper.decrypt_access(again)
    assert (await life.client.identity(token)).platform_user_id == connection.platform_user_id
    assert refreshed.id == again.id == connection.id

    # Reconnect the same account: same id (history kept), still active, still refreshable.
    reconnected = await life.connect()
    assert reconnected.id == connection.id
    stored = await life.row(connection.id)
    assert stored is not None and stored.status == ConnectionStatus.ACTIVE
    assert await life.events() == ["connection.established", "connection.established"]

    # The user revokes the app at the platform: the next refresh turns that into a request to
    # reconnect, not into silently missing data.
    await life.fault(kind="revoke", account=ACCOUNT)
    with pytest.raises(ReauthorizationNeeded):
        await life.keeper.refresh(connection.id, reason="after revoke")
    dead = await life.row(connection.id)
    assert dead is not None and dead.status == ConnectionStatus.REAUTH_REQUIRED
    assert (await life.events())[-1] == "connection.reauth_required"

    # Reconnecting after a revoke brings it back (new grant, same id).
    back = await life.connect()
    assert back.id == connection.id
    revived = await life.row(connection.id)
    assert revived is not None and revived.status == ConnectionStatus.ACTIVE


async def test_disconnect_revokes_at_the_platform_and_deletes_the_tokens(life: Life) -> None:
    connection = await life.connect()
    token = life.keeper.decrypt_access(connection)
    async with life.sessions() as session:
        row = await connections.owned(session, connection.id, "c1")
        revoked = await disconnection.disconnect(
            session,
            row,
            clients={life.platform: life.client},
            keeper=life.keeper,
            purge_history=False,
        )
    assert await life.row(connection.id) is None
    assert (await life.events())[-1] == "connection.removed"
    if revoked:  # the platform has a revoke endpoint: the token is dead there too
        with pytest.raises(PlatformError):
            await life.client.identity(token)
    else:
        assert life.platform is Platform.INSTAGRAM  # the one platform without revocation
