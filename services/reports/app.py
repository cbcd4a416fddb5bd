"""Reports wiring: derived metrics in; weekly and program-completion reports (later) out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reports import handlers
from services.reports.settings import ReportsSettings
from shared.service import Runtime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ReportsSettings | None = None) -> FastAPI:
    runtime = Runtime.build(settings or ReportsSettings())
    handlers.register(runtime)
    return create_service_app(runtime, title="Live Social Analytics — reports")
