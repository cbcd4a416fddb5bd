"""Connector wiring: OAuth connections and token custody."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.connector import api, connections, handlers
from services.connector.context import ConnectorContext
from services.connector.crypto import TokenCipher
from services.connector.settings import ConnectorSettings
from shared.outbox import OutboxRelay
from shared.periodic import Periodic
from shared.platforms.registry import build_clients
from shared.service import Runtime, create_service_app
from shared.settings import Profile

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ConnectorSettings | None = None) -> FastAPI:
    settings = settings or ConnectorSettings()
    runtime = Runtime.build(settings)
    http = httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0))
    context = ConnectorContext(
        settings=settings,
        runtime=runtime,
        cipher=TokenCipher.from_spec(
            settings.token_keys.get_secret_value(), settings.token_primary_key_id
        ),
        clients=build_clients(
            http,
            emulator_url=settings.common.platform_emulator_url,
            require_credentials=settings.common.profile is not Profile.DEV,
        ),
        relay=OutboxRelay(runtime.engine, runtime.publisher),
    )
    handlers.register(context)

    async def housekeeping() -> None:
        async with runtime.sessions() as session:
            await connections.purge_expired_states(session)
        await context.relay.purge()

    janitor = Periodic("connector-housekeeping", 3600, housekeeping)

    async def start_background() -> None:
        context.relay.start()
        await janitor.start()

    async def stop_background() -> None:
        await janitor.stop()
        await context.relay.stop()
        await http.aclose()

    app = create_service_app(
        runtime,
        title="Live Social Analytics — connector",
        routers=[api.portal, api.admin, api.internal],
        on_startup=[start_background],
        on_shutdown=[stop_background],
    )
    app.state.connector = context
    return app
