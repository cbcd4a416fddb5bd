"""Analytics wiring: snapshots in, history stored and derived, derived metrics out (outbox)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.analytics import api, handlers, live_api, portfolio_api, signal_intake
from services.analytics.context import AnalyticsContext
from services.analytics.live import LiveHub
from services.analytics.live_feed import LiveFeed
from services.analytics.portfolio import PortfolioCache
from services.analytics.settings import AnalyticsSettings
from shared.outbox import OutboxRelay
from shared.periodic import Periodic
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
HOUSEKEEPING_SECONDS = 3600


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    settings = settings or AnalyticsSettings()
    runtime = Runtime.build(settings)
    relay = OutboxRelay(runtime.engine, runtime.publisher)
    hub = LiveHub.from_settings(settings)
    context = AnalyticsContext(settings=settings, runtime=runtime, relay=relay, live=hub)
    runtime.broker.include_router(handlers.register(context))
    stale_check = signal_intake.stale_check(context)
    feed = LiveFeed(runtime.broker, hub)
    housekeeping = Periodic("analytics-outbox-purge", HOUSEKEEPING_SECONDS, relay.purge)
    portfolio_cache = PortfolioCache()
    portfolio_refresh = portfolio_api.refresher(
        runtime.sessions, portfolio_cache, settings.portfolio_refresh_seconds
    )

    async def start_background() -> None:
        relay.start()
        await housekeeping.start()
        await stale_check.start()
        await portfolio_refresh.start()
        await feed.positioned()

    async def stop_background() -> None:
        await portfolio_refresh.stop()
        await stale_check.stop()
        await housekeeping.stop()
        await relay.stop()

    app = create_service_app(
        runtime,
        title="Live Social Analytics — analytics",
        routers=[api.portal, api.admin, portfolio_api.router, live_api.live],
        on_startup=[start_background],
        on_shutdown=[stop_background],
    )
    app.state.analytics = context
    app.state.portfolio_cache = portfolio_cache
    return app
