"""Analytics wiring: snapshots in, history stored, derived metrics out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.analytics import api, handlers
from services.analytics.context import AnalyticsContext
from services.analytics.settings import AnalyticsSettings
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    settings = settings or AnalyticsSettings()
    runtime = Runtime.build(settings)
    context = AnalyticsContext(settings=settings, runtime=runtime)
    handlers.register(context)
    app = create_service_app(
        runtime, title="Live Social Analytics — analytics", routers=[api.portal, api.admin]
    )
    app.state.analytics = context
    return app
