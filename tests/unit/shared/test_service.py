"""Each service's two apps: the public one never answers /metrics or /internal; the internal one
answers only those."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.registry import SERVICES
from shared.db.migrations import upgrade
from shared.service import internal_app, settle_startup_objects
from shared.settings import DEV_SERVICE_TOKEN, CommonSettings
from tests.unit.support import clear_lsa_env

SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}
TOKEN_ROUTES = [
    ("GET", "/internal/connections/7b6f0c52-0d4e-4a57-9a59-3f7c8a1e2d10/access-token"),
    ("POST", "/internal/access-tokens"),
]


@pytest.fixture
async def apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[dict[str, FastAPI]]:
    """Every service's public app (no lifespan: nothing here needs the broker)."""
    clear_lsa_env(monkeypatch)
    built = {}
    for name, spec in SERVICES.items():
        settings = spec.settings(
            database_url=SecretStr(f"sqlite+aiosqlite:///{tmp_path / name}.db"),
            common=CommonSettings(data_dir=tmp_path),
        )
        if name == "connector":  # the one whose internal routes are called below
            await asyncio.to_thread(upgrade, spec.migrations, settings.db_url)
        built[name] = spec.create_app(settings)
    yield built
    for app in built.values():
        await app.state.runtime.engine.dispose()


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def _documented(app: FastAPI) -> set[str]:
    return set(app.openapi()["paths"])


async def test_the_public_app_has_no_metrics_and_no_internal_route(
    apps: dict[str, FastAPI],
) -> None:
    for name, app in apps.items():
        assert not [p for p in _documented(app) if p.startswith("/internal")], name
        async with _client(app) as public:
            assert (await public.get("/healthz")).status_code == 200, name
            assert (await public.get("/docs")).status_code == 200, name
            assert (await public.get("/metrics")).status_code == 404, name
            for method, path in TOKEN_ROUTES:
                answer = await public.request(method, path, headers=SERVICE, json={})
                assert answer.status_code == 404, (name, path)


async def test_the_internal_app_has_metrics_and_the_internal_routes_only(
    apps: dict[str, FastAPI],
) -> None:
    for name, app in apps.items():
        internal = internal_app(app)
        assert all(p.startswith("/internal/") for p in _documented(internal)), name
        async with _client(internal) as client:
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            assert "lsa_http_request_duration_seconds" in metrics.text
            for path in (
                "/healthz",
                "/readyz",
                "/docs",
                "/openapi.json",
                "/api/admin/social/syncs",
            ):
                assert (await client.get(path)).status_code == 404, (name, path)


async def test_the_connectors_token_routes_are_on_its_internal_app(
    apps: dict[str, FastAPI],
) -> None:
    internal = internal_app(apps["connector"])
    assert _documented(internal) == {
        "/internal/connections/{connection_id}/access-token",
        "/internal/access-tokens",
    }
    async with _client(internal) as client:
        # The service credential is still required there; the state is the public app's.
        assert (await client.post("/internal/access-tokens", json={})).status_code == 401
        unknown = await client.get(TOKEN_ROUTES[0][1], headers=SERVICE)
        assert unknown.status_code == 404
        assert unknown.json() == {"detail": "no such connection"}


def test_start_up_objects_are_exempt_from_full_collections() -> None:
    """What exists at start-up is frozen, so a full collection no longer walks it."""
    gc.unfreeze()
    try:
        settle_startup_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, schemas and routes imported by this suite
    finally:
        gc.unfreeze()
