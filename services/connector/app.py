"""Connector wiring: OAuth connections and token custody."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.connector import api, handlers
from services.connector.context import ConnectorContext
from services.connector.crypto import TokenCipher
from services.connector.settings import ConnectorSettings
from shared.outbox import OutboxRelay
from shared.platforms.registry import build_clients
from shared.service import Runtime, create_service_app

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
        clients=build_clients(http, emulator_url=settings.common.platform_emulator_url),
        relay=OutboxRelay(runtime.engine, runtime.publisher),
    )
    handlers.register(context)

    async def start_relay() -> None:
        context.relay.start()

    async def stop_relay() -> None:
        await context.relay.stop()
        await http.aclose()

    app = create_service_app(
        runtime,
        title="Live Social Analytics — connector",
        routers=[api.portal, api.admin, api.internal],
        on_startup=[start_relay],
        on_shutdown=[stop_relay],
    )
    app.state.connector = context
    return app
