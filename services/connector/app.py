"""Connector wiring: OAuth connections and token custody."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.connector import api, handlers, oauth, upkeep
from services.connector.context import ConnectorContext
from services.connector.crypto import TokenCipher
from services.connector.settings import ConnectorSettings
from services.connector.tokens import TokenKeeper
from shared.http_client import outbound_client
from shared.outbox import OutboxRelay
from shared.periodic import Periodic
from shared.platforms.registry import build_clients
from shared.service import Runtime, create_service_app
from shared.settings import Profile

MIGRATIONS = Path(__file__).parent / "migrations"
HOUSEKEEPING_SECONDS = 3600


def create_app(settings: ConnectorSettings | None = None) -> FastAPI:
    settings = settings or ConnectorSettings()
    runtime = Runtime.build(settings)
    http = outbound_client(timeout=httpx.Timeout(20.0, connect=5.0))
    cipher = TokenCipher.from_spec(
        settings.token_keys.get_secret_value(), settings.token_primary_key_id
    )
    clients = build_clients(
        http,
        emulator_url=settings.common.platform_emulator_url,
        require_credentials=settings.common.profile is not Profile.DEV,
    )
    relay = OutboxRelay(runtime.engine, runtime.publisher)
    context = ConnectorContext(
        settings=settings,
        runtime=runtime,
        cipher=cipher,
        clients=clients,
        relay=relay,
        keeper=TokenKeeper(runtime.sessions, cipher, clients, on_enqueued=relay.wake),
    )
    runtime.broker.include_router(handlers.register(context))

    async def housekeeping() -> None:
        async with runtime.sessions() as session:
            await oauth.purge_expired_states(session)
        await relay.purge()

    async def token_upkeep() -> None:
        await upkeep.keep_tokens_alive(context.keeper)

    jobs = [
        Periodic("connector-housekeeping", HOUSEKEEPING_SECONDS, housekeeping),
        Periodic("connector-token-upkeep", settings.upkeep_interval_seconds, token_upkeep),
    ]

    async def start_background() -> None:
        relay.start()
        for job in jobs:
            await job.start()

    async def stop_background() -> None:
        for job in jobs:
            await job.stop()
        await relay.stop()
        await http.aclose()

    app = create_service_app(
        runtime,
        title="Live Social Analytics — connector",
        routers=[api.portal, api.admin],
        internal_routers=[api.internal],
        on_startup=[start_background],
        on_shutdown=[stop_background],
    )
    app.state.connector = context
    return app
