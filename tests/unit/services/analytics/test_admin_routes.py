"""The admin routes of analytics: clients' programs and deliverables, and history imports.

The app runs in-process over httpx's ASGI transport, on a migrated SQLite database, without
its lifespan (no broker: the ``MetricsUpdated`` an import queues are read from the outbox).
The suite's clock stands at 2026-11-20 12:00 UTC.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel import col, delete, select

from services.analytics import history, programs
from services.analytics.api import MAX_IMPORT_BYTES
from services.analytics.app import MIGRATIONS, create_app
from services.analytics.models import ConnectionStatus, DailySnapshot, TrackedConnection
from services.analytics.settings import AnalyticsSettings
from shared import clock
from shared.auth import Role, issue_token
from shared.db.migrations import upgrade
from shared.events import AccountSnapshot, ClientUpserted, MetricsUpdated
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from shared.settings import AuthSettings, CommonSettings
from tests.support.clock import PINNED, TODAY
from tests.unit.support import clear_lsa_env

OWNER, OTHER = "client-owner", "client-other"
CONNECTION = uuid.UUID("5a1e0000-0000-4000-8000-0000000001a1")
OTHERS_CONNECTION = uuid.UUID("5a1e0000-0000-4000-8000-0000000001b2")
LIVE_DAY = date(2026, 11, 18)
PROGRAM = {
    "name": "Dana Example",
    "email": "dana@example.com",
    "timezone": "America/New_York",
    "program_start": "2026-09-01",
    "program_end": "2026-12-31",
    "follower_goal": 15000,
}


@dataclass
class Api:
    app: FastAPI
    http: httpx.AsyncClient
    admin: dict[str, str]

    def as_client(self, client_id: str = OWNER) -> dict[str, str]:
        token = issue_token(self.app.state.auth_settings, role=Role.CLIENT, client_id=client_id)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """Analytics knows two connections (one per client) and one live day of the owner's."""
    clear_lsa_env(monkeypatch)
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    app = create_app(
        AnalyticsSettings(
            database_url=SecretStr(url),
            common=CommonSettings(data_dir=tmp_path, auth=AuthSettings()),
        )
    )
    async with app.state.runtime.sessions() as session:
        for connection_id, client_id in ((CONNECTION, OWNER), (OTHERS_CONNECTION, OTHER)):
            session.add(
                TrackedConnection(
                    connection_id=connection_id,
                    client_id=client_id,
                    platform=Platform.TIKTOK,
                    platform_user_id=f"tt-{client_id}",
                    username="@dana",
                    status=ConnectionStatus.ACTIVE,
                    connected_at=PINNED - timedelta(days=2),
                )
            )
        await session.commit()
        await history.store_snapshots(
            session,
            [
                AccountSnapshot(
                    connection_id=CONNECTION,
                    client_id=OWNER,
                    platform=Platform.TIKTOK,
                    platform_user_id="tt-1",
                    username="@dana",
                    snapshot_date=LIVE_DAY,
                    fetched_at=datetime(2026, 11, 18, 3, 0, tzinfo=UTC),
                    followers=1000,
                    posts=40,
                )
            ],
        )
    token = issue_token(app.state.auth_settings, role=Role.ADMIN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(app, http, {"Authorization": f"Bearer {token}"})
    await app.state.runtime.engine.dispose()


def _program_path(client_id: str = OWNER) -> str:
    return f"/api/admin/social/clients/{client_id}/program"


def _deliverable_path(code: str, client_id: str = OWNER) -> str:
    return f"/api/admin/social/clients/{client_id}/deliverables/{code}"


def _import_path(client_id: str = OWNER, connection_id: uuid.UUID = CONNECTION) -> str:
    return f"/api/admin/social/clients/{client_id}/connections/{connection_id}/import"


async def _import(api: Api, text: str, path: str | None = None, **headers: str) -> httpx.Response:
    return await api.http.post(
        path or _import_path(),
        content=text.encode(),
        headers={**api.admin, "Content-Type": "text/csv", **headers},
    )


async def _outbox(api: Api) -> list[MetricsUpdated]:
    async with api.app.state.runtime.sessions() as session:
        rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return [MetricsUpdated.model_validate_json(r.payload) for r in rows.all()]


async def _days(api: Api) -> dict[str, dict[str, Any]]:
    response = await api.http.get(
        f"/api/admin/social/clients/{OWNER}/tiktok/metrics",
        params={"from": "2026-11-01", "to": TODAY.isoformat()},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    return {d["date"]: d for d in response.json()["days"]}


# --- programs ------------------------------------------------------------------------------


async def test_a_program_is_created_read_and_replaced(api: Api) -> None:
    assert (await api.http.get(_program_path(), headers=api.admin)).status_code == 404
    created = await api.http.put(_program_path(), json=PROGRAM, headers=api.admin)
    assert created.status_code == 200, created.text
    body = created.json()
    assert {k: body[k] for k in PROGRAM} == PROGRAM
    assert body["client_id"] == OWNER and body["deliverables"] == []
    first = datetime.fromisoformat(body["updated_at"])
    assert abs(first - clock.now()) < timedelta(minutes=1)

    changed = await api.http.put(
        _program_path(), json={**PROGRAM, "follower_goal": None, "name": "Dana E."},
        headers=api.admin,
    )  # fmt: skip
    assert changed.status_code == 200
    read = (await api.http.get(_program_path(), headers=api.admin)).json()
    assert (read["name"], read["follower_goal"]) == ("Dana E.", None)
    assert datetime.fromisoformat(read["updated_at"]) >= first


@pytest.mark.parametrize(
    ("changes", "loc", "kind"),
    [
        ({"program_end": "2026-09-01"}, ["body"], "program_dates"),
        ({"program_end": "2026-08-01"}, ["body"], "program_dates"),
        ({"timezone": "Berlin"}, ["body", "timezone"], "timezone"),
        ({"email": "not-an-address"}, ["body", "email"], "email"),
        ({"follower_goal": 0}, ["body", "follower_goal"], "greater_than"),
        ({"name": ""}, ["body", "name"], "string_too_short"),
        ({"updated_at": "2030-01-01T00:00:00Z"}, ["body", "updated_at"], "extra_forbidden"),
    ],
)
async def test_a_bad_program_is_422_with_its_reason_and_nothing_is_stored(
    api: Api, changes: dict[str, Any], loc: list[str], kind: str
) -> None:
    response = await api.http.put(_program_path(), json={**PROGRAM, **changes}, headers=api.admin)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    assert (await api.http.get(_program_path(), headers=api.admin)).status_code == 404


async def test_the_end_before_start_reason_names_both_dates(api: Api) -> None:
    response = await api.http.put(
        _program_path(), json={**PROGRAM, "program_end": "2026-08-01"}, headers=api.admin
    )
    [error] = response.json()["detail"]
    assert error["msg"] == "program_end (2026-08-01) should be after program_start (2026-09-01)"


async def test_a_newer_version_from_the_crm_is_not_overwritten(api: Api) -> None:
    """The CRM's clock runs 4 minutes ahead: its version stays until a later change."""
    async with api.app.state.runtime.sessions() as session:
        ahead = {**PROGRAM, "program_start": date(2026, 9, 1), "program_end": date(2026, 12, 31)}
        event = ClientUpserted(
            client_id=OWNER, updated_at=clock.now() + timedelta(minutes=4), **ahead
        )
        assert await programs.apply_event(session, event) is programs.Outcome.APPLIED
    response = await api.http.put(
        _program_path(), json={**PROGRAM, "name": "Admin"}, headers=api.admin
    )
    assert response.status_code == 409
    assert "newer version" in response.json()["detail"]
    assert (await api.http.get(_program_path(), headers=api.admin)).json()["name"] == "Dana Example"


# --- deliverables --------------------------------------------------------------------------


async def test_deliverables_are_kept_listed_by_number_and_removed(api: Api) -> None:
    await api.http.put(_program_path(), json=PROGRAM, headers=api.admin)
    for code, title in (("M10", "Ten"), ("M2", "Two"), ("M1", "One")):
        body = {"title": title, "due_on": "2026-10-01"}
        if code == "M1":  # completed before the program started: a fact, not an error
            body["completed_on"] = "2026-08-20"
        response = await api.http.put(_deliverable_path(code), json=body, headers=api.admin)
        assert response.status_code == 200, response.text
        assert response.json()["code"] == code
        assert response.json()["completed_on"] == body.get("completed_on")
    listed = (await api.http.get(_program_path(), headers=api.admin)).json()["deliverables"]
    assert [(d["code"], d["title"]) for d in listed] == [
        ("M1", "One"),
        ("M2", "Two"),
        ("M10", "Ten"),
    ]

    assert (await api.http.delete(_deliverable_path("M2"), headers=api.admin)).status_code == 204
    again = await api.http.delete(_deliverable_path("M2"), headers=api.admin)
    assert again.status_code == 404 and again.json()["detail"] == "no such deliverable"
    listed = (await api.http.get(_program_path(), headers=api.admin)).json()["deliverables"]
    assert [d["code"] for d in listed] == ["M1", "M10"]


async def test_a_deliverable_needs_its_client_program(api: Api) -> None:
    body = {"title": "One", "due_on": "2026-10-01"}
    for response in (
        await api.http.put(_deliverable_path("M1"), json=body, headers=api.admin),
        await api.http.delete(_deliverable_path("M1"), headers=api.admin),
    ):
        assert response.status_code == 404
        assert response.json()["detail"].startswith("no such client")


async def test_a_deliverable_is_reachable_only_under_its_own_client(api: Api) -> None:
    """Another client's id in the path never reaches the owner's program or deliverables."""
    await api.http.put(_program_path(), json=PROGRAM, headers=api.admin)
    body = {"title": "One", "due_on": "2026-10-01"}
    assert (
        await api.http.put(_deliverable_path("M1"), json=body, headers=api.admin)
    ).status_code == 200
    await api.http.put(_program_path(OTHER), json={**PROGRAM, "name": "Other"}, headers=api.admin)
    theirs = (await api.http.get(_program_path(OTHER), headers=api.admin)).json()
    assert (theirs["name"], theirs["deliverables"]) == ("Other", [])
    gone = await api.http.delete(_deliverable_path("M1", OTHER), headers=api.admin)
    assert gone.status_code == 404
    mine = (await api.http.get(_program_path(), headers=api.admin)).json()
    assert [d["code"] for d in mine["deliverables"]] == ["M1"]


@pytest.mark.parametrize(
    ("completed_on", "status"),
    [("2026-11-21", 200), ("2026-11-22", 422)],  # today + 1 is the last day allowed
)
async def test_a_completion_may_be_tomorrow_at_the_latest(
    api: Api, completed_on: str, status: int
) -> None:
    await api.http.put(_program_path(), json=PROGRAM, headers=api.admin)
    response = await api.http.put(
        _deliverable_path("M1"),
        json={"title": "One", "due_on": "2026-10-01", "completed_on": completed_on},
        headers=api.admin,
    )
    assert response.status_code == status, response.text
    if status == 422:
        [error] = response.json()["detail"]
        assert error["type"] == "completed_in_future"
        assert error["msg"] == "Input should not be later than 2026-11-21 (today + 1 day, UTC)"


@pytest.mark.parametrize("code", ["m1", "M0", "X1", "M1000"])
async def test_a_malformed_deliverable_code_is_422(api: Api, code: str) -> None:
    await api.http.put(_program_path(), json=PROGRAM, headers=api.admin)
    response = await api.http.put(
        _deliverable_path(code), json={"title": "One", "due_on": "2026-10-01"}, headers=api.admin
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "code"]


# --- history import ------------------------------------------------------------------------

CSV = (
    "date,followers,following,posts\n"
    "2026-11-11,900,50,38\n"  # a week before the live day
    "2026-11-12,910,,\n"
    "2026-11-18,999,51,40\n"  # the live day: the platform's, skipped
)


async def test_an_import_stores_its_days_marked_and_skips_the_platforms(api: Api) -> None:
    response = await _import(api, CSV)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "connection_id": str(CONNECTION),
        "imported": 2,
        "skipped_platform_days": ["2026-11-18"],
        "revision": 2,  # the live day was revision 1
    }
    days = await _days(api)
    assert [(d, days[d]["source"], days[d]["followers"]) for d in sorted(days)] == [
        ("2026-11-11", "import", 900),
        ("2026-11-12", "import", 910),
        ("2026-11-18", "live", 1000),  # never replaced by the import's 999
    ]
    assert days["2026-11-11"]["follower_source"] == "observed"
    assert (days["2026-11-11"]["following"], days["2026-11-12"]["posts"]) == (50, None)
    assert days["2026-11-11"]["backfill"] is False
    # The live day's 7-day change now reaches the imported count: 1000 - 900 = 100 (11.11 %).
    assert (days["2026-11-18"]["followers_change_7d"], days["2026-11-18"]["growth_pct_7d"]) == (
        100,
        11.11,
    )

    # The derived events, queued as the snapshots' are: the two imported days and the live day
    # whose change the import completed, at the new revision.
    events = [e for e in await _outbox(api) if e.revision == 2]
    assert [(e.metrics_date.isoformat(), e.imported, e.followers) for e in events] == [
        ("2026-11-11", True, 900),
        ("2026-11-12", True, 910),
        ("2026-11-18", False, 1000),
    ]
    assert events[2].followers_change_7d == 100


async def test_an_import_again_replaces_the_earlier_import(api: Api) -> None:
    await _import(api, CSV)
    response = await _import(api, "date,followers\n2026-11-12,915\n")
    assert response.json()["imported"] == 1
    days = await _days(api)
    assert (days["2026-11-12"]["followers"], days["2026-11-12"]["following"]) == (915, None)
    assert days["2026-11-11"]["followers"] == 900  # days not in the new file stay


async def test_a_csv_with_bad_rows_is_422_naming_them_and_nothing_is_stored(api: Api) -> None:
    before = (await _days(api), await _outbox(api))
    response = await _import(
        api,
        "date,followers\n2026-11-10,800\n2026-11-11,-5\n2026-11-30,5\n2026-11-10,801\n",
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [(d["loc"], d["type"]) for d in detail] == [
        (["body", 3, "followers"], "negative"),
        (["body", 4, "date"], "date_in_future"),
        (["body", 5, "date"], "date_duplicate"),
    ]
    assert (await _days(api), await _outbox(api)) == before


async def test_an_import_into_another_clients_connection_is_404(api: Api) -> None:
    for path in (
        _import_path(OTHER, CONNECTION),  # the owner's connection under another client's id
        _import_path(OWNER, OTHERS_CONNECTION),  # another client's connection
        _import_path(OWNER, uuid.uuid4()),  # no such connection
    ):
        response = await _import(api, CSV, path)
        assert response.status_code == 404
        assert response.json()["detail"] == "no such connection"
    assert "2026-11-11" not in await _days(api)


@pytest.mark.parametrize("kind", ["application/json", "text/plain", "multipart/form-data"])
async def test_an_import_must_be_sent_as_text_csv(api: Api, kind: str) -> None:
    response = await _import(api, CSV, **{"Content-Type": kind})
    assert response.status_code == 415
    assert "text/csv" in response.json()["detail"]


async def test_an_import_in_another_encoding_or_too_large_is_refused(api: Api) -> None:
    latin = await api.http.post(
        _import_path(),
        content="date,followers\n2026-11-11,900\n# Zoë\n".encode("latin-1"),
        headers={**api.admin, "Content-Type": "text/csv; charset=latin-1"},
    )
    assert latin.status_code == 422
    assert latin.json()["detail"].startswith("the body is not UTF-8 text")
    huge = await _import(api, "date,followers\n" + "x" * MAX_IMPORT_BYTES)
    assert huge.status_code == 413


async def test_the_overview_marks_an_account_known_only_from_an_import(api: Api) -> None:
    async with api.app.state.runtime.sessions() as session:
        await (await session.connection()).execute(delete(DailySnapshot))
        await session.commit()
    await _import(api, "date,followers\n2026-11-01,700\n2026-11-02,710\n")
    response = await api.http.get(f"/api/admin/social/clients/{OWNER}/overview", headers=api.admin)
    [account] = response.json()["accounts"]
    assert (account["last_snapshot_date"], account["followers"]) == ("2026-11-02", 710)
    assert account["last_snapshot_source"] == "import"
    # With a live day again, the live day is the account's "now".
    async with api.app.state.runtime.sessions() as session:
        await history.store_snapshots(
            session,
            [
                AccountSnapshot(
                    connection_id=CONNECTION,
                    client_id=OWNER,
                    platform=Platform.TIKTOK,
                    platform_user_id="tt-1",
                    username="@dana",
                    snapshot_date=date(2026, 10, 30),
                    fetched_at=datetime(2026, 10, 30, 3, 0, tzinfo=UTC),
                    followers=650,
                )
            ],
        )
    response = await api.http.get(f"/api/admin/social/clients/{OWNER}/overview", headers=api.admin)
    [account] = response.json()["accounts"]
    assert (account["last_snapshot_date"], account["last_snapshot_source"]) == (
        "2026-10-30",
        "live",
    )


# --- who may call ---------------------------------------------------------------------------

ROUTES = [
    ("GET", _program_path(), None),
    ("PUT", _program_path(), PROGRAM),
    ("PUT", _deliverable_path("M1"), {"title": "One", "due_on": "2026-10-01"}),
    ("DELETE", _deliverable_path("M1"), None),
    ("POST", _import_path(), CSV),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_the_admin_routes_are_for_admins_only(
    api: Api, method: str, path: str, body: Any
) -> None:
    content = body if isinstance(body, str) else json.dumps(body) if body else None
    kind = "text/csv" if isinstance(body, str) else "application/json"
    anonymous = await api.http.request(
        method, path, content=content, headers={"Content-Type": kind}
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    as_client = await api.http.request(
        method, path, content=content, headers={**api.as_client(), "Content-Type": kind}
    )
    assert as_client.status_code == 403
    assert as_client.json()["detail"] == "this route is for admins"
    # Nothing was written by either.
    assert (await api.http.get(_program_path(), headers=api.admin)).status_code == 404
    assert "2026-11-11" not in await _days(api)
