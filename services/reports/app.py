"""Reports wiring: derived metrics in; weekly and program-completion reports (later) out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reports import handlers
from services.reports.context import ReportsContext
from services.reports.settings import ReportsSettings
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ReportsSettings | None = None) -> FastAPI:
    settings = settings or ReportsSettings()
    runtime = Runtime.build(settings)
    context = ReportsContext(settings=settings, runtime=runtime)
    runtime.broker.include_router(handlers.register(context))
    return create_service_app(runtime, title="Live Social Analytics — reports")
