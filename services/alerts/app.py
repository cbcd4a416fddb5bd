"""Alerts wiring: derived metrics in; milestone, surge, stall and drop e-mails (later) out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.alerts import handlers
from services.alerts.settings import AlertsSettings
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: AlertsSettings | None = None) -> FastAPI:
    runtime = Runtime.build(settings or AlertsSettings())
    handlers.register(runtime)
    return create_service_app(runtime, title="Live Social Analytics — alerts")
