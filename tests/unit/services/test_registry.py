"""The service registry and the public route table."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from services import registry
from services.registry import PUBLIC_ROUTES, SERVICES, route_for
from tests.unit.support import clear_lsa_env


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/portal/social/connect/instagram", "connector"),
        ("/api/portal/social/callback/instagram", "connector"),
        ("/api/portal/social/connections", "connector"),
        ("/api/portal/social/connections/7b6f/sync", "connector"),
        ("/api/admin/social/connections", "connector"),
        ("/api/portal/social/overview", "analytics"),
        ("/api/portal/social/instagram/growth", "analytics"),
        ("/api/portal/social/facebook/metrics", "analytics"),
        ("/api/portal/social/all/growth", "analytics"),
        ("/api/portal/social/top-content", "analytics"),
        ("/api/admin/social/portfolio", "analytics"),
        ("/api/admin/social/leaderboard", "analytics"),
        ("/api/admin/social/clients/c-1/metrics", "analytics"),
        ("/api/portal/social/reports/weekly", "reports"),
        ("/api/admin/social/alerts/rules", "alerts"),
        ("/api/admin/social/syncs", "ingestor"),
    ],
)
def test_public_paths_are_routed(path: str, service: str) -> None:
    assert route_for(path) == service


@pytest.mark.parametrize(
    "path",
    [
        "/api/portal/social/connectionsX",
        "/api/portal/social/connectX",
        "/api/portal/social/reportsarchive",
        "/api/portal/social/friendster/growth",
        "/api/portal/social/allX/growth",
        "/api/portal/social/metrics",
        "/api/portal/social",
        "/api/portal/social/",
        "/internal/connections/abc/token",
        "/internal/syncs",
        "/metrics",
        "/health",
        "/",
        "",
    ],
)
def test_unrouted_paths(path: str) -> None:
    assert route_for(path) is None


def test_longest_prefix_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    table = (
        ("/api/portal", "alerts"),
        ("/api/portal/social/reports", "reports"),
        ("/api/portal/social", "analytics"),
    )
    monkeypatch.setattr(registry, "PUBLIC_ROUTES", table)
    assert route_for("/api/portal/social/reports/1") == "reports"
    assert route_for("/api/portal/social/overview") == "analytics"
    assert route_for("/api/portal/other") == "alerts"
    # Whole segments only: "reportsX" is not under "reports", so the shorter prefix answers.
    assert route_for("/api/portal/social/reportsX") == "analytics"


def test_every_route_names_a_known_service() -> None:
    assert PUBLIC_ROUTES
    for prefix, service in PUBLIC_ROUTES:
        assert service in SERVICES, prefix
        assert prefix.startswith("/api/"), prefix
        assert not prefix.endswith("/"), prefix


def test_route_prefixes_are_unique() -> None:
    prefixes = [prefix for prefix, _ in PUBLIC_ROUTES]
    assert len(prefixes) == len(set(prefixes))


def test_no_internal_or_metrics_route_is_public() -> None:
    for prefix, _ in PUBLIC_ROUTES:
        assert "/internal" not in prefix
        assert prefix.strip("/") != "metrics"


def test_services_have_distinct_ports_and_their_own_migrations() -> None:
    ports = [spec.default_port for spec in SERVICES.values()]
    ports += [spec.default_internal_port for spec in SERVICES.values()]
    assert len(ports) == len(set(ports)) == 2 * len(SERVICES)  # public and internal, all apart
    for name, spec in SERVICES.items():
        assert spec.name == name
        assert spec.migrations.is_dir(), name
        assert (spec.migrations / "env.py").is_file(), name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_settings_instantiate_with_the_right_name(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_lsa_env(monkeypatch)
    monkeypatch.setenv("LSA_DATA_DIR", str(tmp_path))
    spec = SERVICES[name]
    settings = spec.settings()
    assert settings.service_name == name
    assert settings.port == spec.default_port
    assert settings.db_url.endswith(f"/{name}.db")
    assert spec.settings(port=9999).port == 9999
    assert settings.internal_port is None  # `lsa serve` then uses spec.default_internal_port
    monkeypatch.setenv(f"LSA_{name.upper()}_INTERNAL_PORT", "9555")
    assert spec.settings().internal_port == 9555


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_app_factory_points_at_a_callable(name: str) -> None:
    module_name, _, attribute = SERVICES[name].app_factory.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    assert callable(factory)
