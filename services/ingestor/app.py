"""Ingestor wiring: sync requests in, snapshot events out."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.ingestor import api, handlers
from services.ingestor.connector_client import ConnectorClient
from services.ingestor.context import IngestorContext
from services.ingestor.settings import IngestorSettings
from shared.platforms.registry import build_clients
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IngestorSettings | None = None) -> FastAPI:
    settings = settings or IngestorSettings()
    runtime = Runtime.build(settings)
    common = settings.common
    platform_http = httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0))
    connector_http = httpx.AsyncClient(timeout=settings.connector_timeout_seconds)
    context = IngestorContext(
        settings=settings,
        runtime=runtime,
        connector=ConnectorClient(
            connector_http, common.connector_url, common.auth.service_token.get_secret_value()
        ),
        clients=build_clients(platform_http, emulator_url=common.platform_emulator_url),
    )
    handlers.register(context)

    async def close_clients() -> None:
        await platform_http.aclose()
        await connector_http.aclose()

    app = create_service_app(
        runtime,
        title="Live Social Analytics — ingestor",
        routers=[api.admin],
        on_shutdown=[close_clients],
    )
    app.state.ingestor = context
    return app
