"""``lsa reencrypt-tokens``: the key-rotation runbook step, driven by environment variables."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

import pytest

from services.cli import main
from services.connector.app import MIGRATIONS
from services.connector.connections import store_connection
from services.connector.crypto import TokenCipher
from services.connector.models import Connection
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.platforms import Platform
from shared.platforms.base import TokenGrant
from tests.unit.support import clear_lsa_env


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


async def test_rotation_runbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'connector.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    old, new = key(), key()
    engine = create_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            stored = await store_connection(
                session,
                client_id="c",
                platform=Platform.TIKTOK,
                grant=TokenGrant(access_token="clear-access", refresh_token="clear-refresh"),
                platform_user_id="u",
                username="n",
                cipher=TokenCipher.from_spec(f"old:{old}"),
            )
        # 1. add the new key as primary, keep the old one; 2. re-encrypt; 3. drop the old key.
        monkeypatch.setenv("LSA_CONNECTOR_DATABASE_URL", url)
        monkeypatch.setenv("LSA_CONNECTOR_TOKEN_KEYS", f"old:{old},new:{new}")
        monkeypatch.setenv("LSA_CONNECTOR_TOKEN_PRIMARY_KEY_ID", "new")
        assert await asyncio.to_thread(main, ["reencrypt-tokens"]) == 0
        async with make_sessionmaker(engine)() as session:
            row = await session.get(Connection, stored.id)
        assert row is not None
        only_new = TokenCipher.from_spec(f"new:{new}")
        aad = f"connection:{stored.id}"
        assert only_new.decrypt(row.access_token_ct, aad=f"{aad}:access") == "clear-access"
        assert row.refresh_token_ct is not None
        assert only_new.decrypt(row.refresh_token_ct, aad=f"{aad}:refresh") == "clear-refresh"
    finally:
        await engine.dispose()
