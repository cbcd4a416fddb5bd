"""Ingestor wiring: sync requests in, snapshot events out."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.ingestor import api, handlers, jobs
from services.ingestor.connector_client import ConnectorClient
from services.ingestor.context import IngestorContext
from services.ingestor.settings import IngestorSettings
from services.ingestor.syncing import Syncer
from shared.http_client import outbound_client
from shared.periodic import Periodic
from shared.platforms.registry import build_clients
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
RAW_PURGE_SECONDS = 3600


def create_app(settings: IngestorSettings | None = None) -> FastAPI:
    settings = settings or IngestorSettings()
    runtime = Runtime.build(settings)
    common = settings.common
    platform_http = outbound_client(timeout=httpx.Timeout(20.0, connect=5.0), max_connections=200)
    connector_http = outbound_client(timeout=settings.connector_timeout_seconds)
    syncer = Syncer(
        build_clients(platform_http, emulator_url=common.platform_emulator_url),
        ConnectorClient(
            connector_http, common.connector_url, common.auth.service_token.get_secret_value()
        ),
        backfill_days=settings.backfill_days,
        settle_days=settings.history_settle_days,
    )
    context = IngestorContext(settings=settings, runtime=runtime, syncer=syncer)
    runtime.broker.include_router(handlers.register(context))

    async def requeue() -> None:
        await jobs.requeue_due(runtime)

    async def purge() -> None:
        await jobs.purge_raw_responses(runtime, settings.raw_retention_days)

    async def daily() -> None:
        await jobs.request_daily_syncs(runtime)

    background = [
        Periodic("ingestor-requeue", settings.deferred_poll_seconds, requeue),
        Periodic("ingestor-raw-purge", RAW_PURGE_SECONDS, purge),
    ]
    if settings.scheduler_enabled:
        background.append(
            Periodic(
                "ingestor-daily-sync",
                lambda: jobs.seconds_until_daily_run(settings),
                daily,
                wait_first=True,
            )
        )

    async def start_background() -> None:
        for job in background:
            await job.start()

    async def stop_background() -> None:
        for job in background:
            await job.stop()
        await platform_http.aclose()
        await connector_http.aclose()

    app = create_service_app(
        runtime,
        title="Live Social Analytics — ingestor",
        routers=[api.admin],
        on_startup=[start_background],
        on_shutdown=[stop_background],
    )
    app.state.ingestor = context
    return app
