"""Every date parameter of every service's routes is bounded: 2000-01-01 … today + 365 days.

The routes are collected from each service's OpenAPI document, so a date parameter added later
is tested without being listed here: if it is not typed ``shared.date_params.BoundedDate``,
``0001-01-01`` reaches the handler and these tests fail. (Routes hidden from the schema, such as
the connector's HTML landing page, are not collected; none of them takes a date.) Dates in
request bodies are bounded the same way; a body is not generated from its schema, so each route
with dates in its body is listed in ``BODY_DATES`` with a valid body, and a body route missing
from the list fails.

The apps run in-process over httpx's ASGI transport, on migrated SQLite databases, without their
lifespan: no broker is needed, since a request is validated before any handler runs.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.analytics.models import ConnectionStatus, TrackedConnection
from services.registry import SERVICES
from shared.auth import Role, issue_token
from shared.db.migrations import upgrade
from shared.platforms import Platform
from shared.settings import AuthSettings, CommonSettings, ServiceSettings
from tests.support.clock import PINNED, TODAY
from tests.unit.support import clear_lsa_env

CLIENT_ID = "client-dates"
CONNECTION_ID = uuid.UUID("5a1e0000-0000-4000-8000-00000000da7e")

# The suite's clock stands at 2026-11-20 (TODAY), so the last date allowed is TODAY + 365 days,
# 2027-11-20 (no 29 February in between), as the message and its ctx say.
LATEST = TODAY + timedelta(days=365)
TOO_LATE = TODAY + timedelta(days=366)
RANGE_MSG = "Input should be a date from 2000-01-01 to 2027-11-20 (today + 365 days, UTC)"

OUT_OF_RANGE = ["0001-01-01", "1999-12-31", "9999-12-31", TOO_LATE.isoformat()]
MALFORMED = ["2026-02-30", "yesterday"]

#: The date parameters known today; the collection must find at least these.
KNOWN = {
    *(
        ("GET", path, name)
        for path in (
            "/api/portal/social/{platform}/metrics",
            "/api/portal/social/{platform}/growth",
            "/api/portal/social/top-content",
            "/api/admin/social/clients/{client_id}/{platform}/metrics",
            "/api/admin/social/clients/{client_id}/{platform}/growth",
            "/api/admin/social/clients/{client_id}/top-content",
        )
        for name in ("from", "to")
    ),
    ("GET", "/api/admin/social/syncs/raw", "day"),
}


#: Routes whose JSON body holds dates: a valid body, and its date fields.
BODY_DATES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "PUT /api/admin/social/clients/{client_id}/program": (
        {
            "name": "Dana Dates",
            "email": "dana@example.com",
            "timezone": "Europe/Berlin",
            "program_start": "2000-01-01",
            "program_end": LATEST.isoformat(),
            "follower_goal": 10_000,
        },
        ("program_start", "program_end"),
    ),
    "PUT /api/admin/social/clients/{client_id}/deliverables/{code}": (
        {"title": "Launch", "due_on": TODAY.isoformat(), "completed_on": "2000-01-01"},
        ("due_on", "completed_on"),
    ),
}
#: Path parameters of the body routes.
BODY_PATH = {"client_id": CLIENT_ID, "code": "M1"}


@dataclass(frozen=True)
class DateRoute:
    """One operation that takes at least one date or datetime parameter."""

    service: str
    method: str
    path: str
    parameters: tuple[dict[str, Any], ...]

    @property
    def dates(self) -> list[str]:
        return [p["name"] for p in self.parameters if _is_date(p["schema"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield schema
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            yield from _schemas(alternative)


def _is_date(schema: dict[str, Any]) -> bool:
    return any(s.get("format") in {"date", "date-time"} for s in _schemas(schema))


def _mentions_date(
    node: Any, components: dict[str, Any], seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a (request body) schema holds a date anywhere, following ``$ref``s."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            return name not in seen and _mentions_date(components[name], components, seen | {name})
        if node.get("format") in {"date", "date-time"}:
            return True
        return any(_mentions_date(value, components, seen) for value in node.values())
    if isinstance(node, list):
        return any(_mentions_date(value, components, seen) for value in node)
    return False


def _settings(name: str, tmp: Path) -> ServiceSettings:
    return SERVICES[name].settings(
        database_url=SecretStr(f"sqlite+aiosqlite:///{tmp / f'{name}.db'}"),
        common=CommonSettings(data_dir=tmp, auth=AuthSettings()),
    )


def _build(name: str, settings: ServiceSettings) -> FastAPI:
    module, factory = SERVICES[name].app_factory.split(":")
    create: Callable[[ServiceSettings], FastAPI] = getattr(importlib.import_module(module), factory)
    return create(settings)


@dataclass
class Services:
    apps: dict[str, FastAPI]
    routes: list[DateRoute]
    body_dates: list[str]


@pytest.fixture(scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    """All five apps (and their internal apps) on fresh databases; analytics knows a connection."""
    tmp = tmp_path_factory.mktemp("date-routes")
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_lsa_env(monkeypatch)
        apps: dict[str, FastAPI] = {}
        for name, spec in SERVICES.items():
            settings = _settings(name, tmp)
            await asyncio.to_thread(upgrade, spec.migrations, settings.db_url)
            apps[name] = _build(name, settings)
            internal = getattr(apps[name].state, "internal_app", None)  # /internal, /metrics
            if isinstance(internal, FastAPI):
                apps[f"{name} (internal)"] = internal
    async with apps["analytics"].state.runtime.sessions() as session:
        session.add(
            TrackedConnection(
                connection_id=CONNECTION_ID,
                client_id=CLIENT_ID,
                platform=Platform.INSTAGRAM,
                platform_user_id="1784",
                username="steady_creator",
                status=ConnectionStatus.ACTIVE,
                connected_at=PINNED,
            )
        )
        await session.commit()
    routes, body_dates = [], []
    for name, app in apps.items():
        document = app.openapi()
        components = document.get("components", {}).get("schemas", {})
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                parameters = tuple(operation.get("parameters", []))
                if any(_is_date(p["schema"]) for p in parameters):
                    routes.append(DateRoute(name, method.upper(), path, parameters))
                if _mentions_date(operation.get("requestBody", {}), components):
                    body_dates.append(f"{method.upper()} {path}")
    try:
        yield Services(apps=apps, routes=routes, body_dates=body_dates)
    finally:
        for name in SERVICES:
            await apps[name].state.runtime.engine.dispose()


def _headers(app: FastAPI, path: str) -> dict[str, str]:
    """The credential the path's audience uses (README §4: portal, admin, internal)."""
    auth: AuthSettings = app.state.auth_settings
    if path.startswith("/api/portal/"):
        token = issue_token(auth, role=Role.CLIENT, client_id=CLIENT_ID)
    elif path.startswith("/api/admin/"):
        token = issue_token(auth, role=Role.ADMIN)
    else:
        token = auth.service_token.get_secret_value()
    return {"Authorization": f"Bearer {token}"}


def _filler(parameter: dict[str, Any]) -> str:
    """A valid value for a parameter that is not under test."""
    schemas = list(_schemas(parameter["schema"]))
    if parameter["name"] == "platform":
        return "instagram"  # the platform of the connection analytics knows
    if any(s.get("format") == "uuid" for s in schemas):
        return str(CONNECTION_ID)
    if any(s.get("type") == "string" for s in schemas):
        return CLIENT_ID
    if any(s.get("type") == "integer" for s in schemas):
        return "1"
    raise AssertionError(f"no filler for {parameter}: extend _filler")


async def _call(services: Services, route: DateRoute, dates: dict[str, str]) -> httpx.Response:
    """``route`` with ``dates`` set, other required parameters valid, optional ones left out."""
    path, query = route.path, {}
    for parameter in route.parameters:
        name = parameter["name"]
        if name in dates:
            value = dates[name]
        elif parameter.get("required"):
            value = TODAY.isoformat() if _is_date(parameter["schema"]) else _filler(parameter)
        else:
            continue
        if parameter["in"] == "path":
            path = path.replace(f"{{{name}}}", value)
        else:
            assert parameter["in"] == "query", f"{route}: a date in the {parameter['in']}"
            query[name] = value
    app = services.apps[route.service]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return await http.request(route.method, path, params=query, headers=_headers(app, path))


def _cases(services: Services) -> Iterator[tuple[DateRoute, str]]:
    for route in services.routes:
        for name in route.dates:
            yield route, name


def test_every_date_route_is_collected(services: Services) -> None:
    found = {(route.method, route.path, name) for route, name in _cases(services)}
    assert found >= KNOWN
    assert sorted(services.body_dates) == sorted(BODY_DATES), (
        "a request body takes a date: bound it and list it in BODY_DATES"
    )


async def _put_body(services: Services, route: str, changes: dict[str, str]) -> httpx.Response:
    method, template = route.split(" ", 1)
    path = template.format(**BODY_PATH)
    body = {**BODY_DATES[route][0], **changes}
    app = services.apps["analytics"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return await http.request(method, path, json=body, headers=_headers(app, path))


def _body_cases() -> list[tuple[str, str]]:
    return [(route, name) for route, (_, names) in BODY_DATES.items() for name in names]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize(("route", "name"), _body_cases())
async def test_a_body_date_outside_the_range_is_422_naming_field_and_range(
    services: Services, route: str, name: str, value: str
) -> None:
    response = await _put_body(services, route, {name: value})
    assert response.status_code == 422, f"{route} {name}={value}: {response.text}"
    error = _one_validation_error(response, f"{route} {name}={value}")
    assert error["type"] == "date_out_of_range"
    assert error["loc"] == ["body", name]
    assert error["msg"] == RANGE_MSG
    assert error["ctx"] == {"earliest": "2000-01-01", "latest": "2027-11-20"}


@pytest.mark.parametrize("value", MALFORMED)
@pytest.mark.parametrize(("route", "name"), _body_cases())
async def test_a_malformed_body_date_is_422_naming_the_field(
    services: Services, route: str, name: str, value: str
) -> None:
    response = await _put_body(services, route, {name: value})
    assert response.status_code == 422, f"{route} {name}={value}: {response.text}"
    error = _one_validation_error(response, f"{route} {name}={value}")
    assert error["loc"] == ["body", name]
    assert "valid date" in error["msg"], error


async def test_body_dates_at_both_ends_of_the_range_are_answered(services: Services) -> None:
    """The program first (2000-01-01 … today + 365 days), then a deliverable of it."""
    program, deliverable = BODY_DATES
    assert (await _put_body(services, program, {})).status_code == 200
    for due in ("2000-01-01", TODAY.isoformat(), LATEST.isoformat()):
        response = await _put_body(services, deliverable, {"due_on": due})
        assert response.status_code == 200, f"due_on={due}: {response.text}"
        assert response.json()["due_on"] == due


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_a_date_outside_the_range_is_422_naming_parameter_and_range(
    services: Services, value: str
) -> None:
    for route, name in _cases(services):
        response = await _call(services, route, {name: value})
        assert response.status_code == 422, f"{route} {name}={value}: {response.text}"
        error = _one_validation_error(response, f"{route} {name}={value}")
        assert error["type"] == "date_out_of_range", f"{route} {name}={value}"
        assert error["loc"] == [_location(route, name), name]
        assert error["msg"] == RANGE_MSG
        assert error["ctx"] == {"earliest": "2000-01-01", "latest": "2027-11-20"}


@pytest.mark.parametrize("value", MALFORMED)
async def test_a_malformed_date_is_422_naming_the_parameter(services: Services, value: str) -> None:
    for route, name in _cases(services):
        response = await _call(services, route, {name: value})
        assert response.status_code == 422, f"{route} {name}={value}: {response.text}"
        error = _one_validation_error(response, f"{route} {name}={value}")
        assert error["loc"] == [_location(route, name), name]
        assert "valid date" in error["msg"], error


async def test_from_after_to_is_422_with_a_reason(services: Services) -> None:
    ranged = [route for route in services.routes if {"from", "to"} <= set(route.dates)]
    assert len(ranged) >= 2  # at least the portal's and the admin's history
    for route in ranged:
        later, earlier = TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat()
        response = await _call(services, route, {"from": later, "to": earlier})
        assert response.status_code == 422, f"{route}: {response.text}"
        assert response.json() == {"detail": "'from' is after 'to'"}


@pytest.mark.parametrize(
    "day", [date(2000, 1, 1), TODAY, LATEST], ids=["earliest", "today", "latest"]
)
async def test_a_date_within_the_range_is_answered(services: Services, day: date) -> None:
    """Both ends are included; every date parameter of the route set to the same day."""
    assert services.routes
    for route in services.routes:
        response = await _call(services, route, dict.fromkeys(route.dates, day.isoformat()))
        assert response.status_code == 200, f"{route} at {day}: {response.text}"


async def test_the_default_window_before_the_earliest_to_stays_in_the_calendar(
    services: Services,
) -> None:
    """``to=2000-01-01`` alone starts the 90-day default window in 1999: an answer, not a 500."""
    [route] = [r for r in services.routes if r.path == "/api/portal/social/{platform}/metrics"]
    response = await _call(services, route, {"to": "2000-01-01"})
    assert response.status_code == 200, response.text
    assert response.json()["days"] == []
    # The issue's case: 0001-01-01 has no 90 days before it.
    assert (await _call(services, route, {"to": "0001-01-01"})).status_code == 422


def _one_validation_error(response: httpx.Response, what: str) -> dict[str, Any]:
    """The single entry of FastAPI's validation-error body ``{"detail": [{type, loc, msg, …}]}``."""
    detail = response.json()["detail"]
    assert isinstance(detail, list), f"{what}: not a validation error: {detail!r}"
    assert len(detail) == 1, f"{what}: {detail!r}"
    error: dict[str, Any] = detail[0]
    return error


def _location(route: DateRoute, name: str) -> str:
    location: str = next(p["in"] for p in route.parameters if p["name"] == name)
    return location
