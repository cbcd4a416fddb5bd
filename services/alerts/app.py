"""Alerts wiring: derived metrics in; milestone, surge, stall and drop e-mails (later) out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.alerts import handlers
from services.alerts.context import AlertsContext
from services.alerts.settings import AlertsSettings
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: AlertsSettings | None = None) -> FastAPI:
    settings = settings or AlertsSettings()
    runtime = Runtime.build(settings)
    context = AlertsContext(settings=settings, runtime=runtime)
    runtime.broker.include_router(handlers.register(context))
    return create_service_app(runtime, title="Live Social Analytics — alerts")
