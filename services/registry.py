"""The five services: where their app factory, settings and migrations live."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.platforms import Platform
from shared.settings import ServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

_ROOT = Path(__file__).parent


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    #: The public port: the HTTP API, ``/docs``, ``/healthz`` and ``/readyz``.
    default_port: int
    #: The internal port: ``/metrics`` and ``/internal/...``, never routed by a gateway.
    default_internal_port: int

    @property
    def app_factory(self) -> str:
        return f"services.{self.name}.app:create_app"

    @property
    def migrations(self) -> Path:
        return _ROOT / self.name / "migrations"

    def create_app(self, settings: ServiceSettings | None = None) -> FastAPI:
        """The service's public app (its internal app is ``shared.service.internal_app``)."""
        module, _, factory = self.app_factory.partition(":")
        app: FastAPI = getattr(importlib.import_module(module), factory)(settings)
        return app

    def settings(self, **overrides: Any) -> ServiceSettings:
        module = importlib.import_module(f"services.{self.name}.settings")
        cls = next(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value is not ServiceSettings
        )
        settings: ServiceSettings = cls(**overrides)
        return settings


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("connector", 8001, 9001),
        ServiceSpec("ingestor", 8002, 9002),
        ServiceSpec("analytics", 8003, 9003),
        ServiceSpec("alerts", 8004, 9004),
        ServiceSpec("reports", 8005, 9005),
    )
}

#: Public path prefixes and the service that answers them. The Kubernetes Ingress
#: (deploy/k8s/base/ingress.yaml) routes the same table; a test keeps the two in step. WebSockets
#: are routed by the same table: the admin's live socket, /api/admin/social/clients/{id}/live,
#: is under /api/admin/social/clients. A platform's portal views (/api/portal/social/{platform}/…)
#: have a prefix per platform, so an unknown platform is a 404 at the front door.
PUBLIC_ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/portal/social/connect", "connector"),
    ("/api/portal/social/callback", "connector"),
    ("/api/portal/social/connections", "connector"),
    ("/api/admin/social/connections", "connector"),
    ("/api/portal/social/overview", "analytics"),
    *((f"/api/portal/social/{platform.value}", "analytics") for platform in Platform),
    ("/api/portal/social/all", "analytics"),  # every platform combined: …/all/growth
    ("/api/portal/social/top-content", "analytics"),
    ("/api/portal/social/live", "analytics"),
    ("/api/admin/social/clients", "analytics"),
    ("/api/admin/social/portfolio", "analytics"),
    ("/api/admin/social/leaderboard", "analytics"),
    ("/api/portal/social/reports", "reports"),
    ("/api/admin/social/reports", "reports"),
    ("/api/portal/social/alerts", "alerts"),
    ("/api/admin/social/alerts", "alerts"),
    ("/api/admin/social/syncs", "ingestor"),
)


def route_for(path: str) -> str | None:
    """The service for a public path (longest prefix, whole path segments only)."""
    best: tuple[int, str] | None = None
    for prefix, service in PUBLIC_ROUTES:
        if (path == prefix or path.startswith(prefix + "/")) and (
            best is None or len(prefix) > best[0]
        ):
            best = (len(prefix), service)
    return best[1] if best else None
