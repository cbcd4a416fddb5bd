"""The connector's routes as the portal and CRM backends use them, on the running system.

Every object route is tried by the owner and by another client; a token must never show up in
an HTTP answer, a log line, a metric label or a Kafka message.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from emulator.driver import consent
from services.connector.context import ConnectorContext
from services.connector.models import Connection
from shared import clock
from shared.auth import Role, issue_token
from shared.db.types import as_utc
from shared.messaging import topics
from shared.settings import AuthSettings
from tests.support.kafka import read_topics
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
AUTH = AuthSettings()
SERVICE = {"Authorization": f"Bearer {AUTH.service_token.get_secret_value()}"}
ADMIN = {"Authorization": f"Bearer {issue_token(AUTH, role=Role.ADMIN)}"}
BATCH = "/internal/access-tokens"


def client_headers(client_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(AUTH, role=Role.CLIENT, client_id=client_id)}"}


async def connect(
    system: RunningSystem, client_id: str, account: str = "stalled_sam", platform: str = "instagram"
) -> str:
    async with system.client("connector") as connector, httpx.AsyncClient() as browser:
        started = await connector.post(
            f"/api/portal/social/connect/{platform}", headers=client_headers(client_id)
        )
        location = await consent(browser, started.json()["authorization_url"], account=account)
        landed = await connector.get(location.replace(system.urls["connector"], ""))
        result = parse_qs(urlsplit(landed.headers["location"]).query)
        assert result["status"] == ["connected"], result
        return result["connection_id"][0]


async def test_object_routes_belong_to_their_owner(system: RunningSystem) -> None:
    owner, other = f"own-{uuid.uuid4().hex[:6]}", f"oth-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner)
    async with system.client("connector") as api:
        for method, path in (
            ("POST", f"/api/portal/social/connections/{connection_id}/refresh"),
            ("DELETE", f"/api/portal/social/connections/{connection_id}"),
        ):
            answer = await api.request(method, path, headers=client_headers(other))
            assert answer.status_code == 404, (method, path, answer.text)
            assert (await api.request(method, path)).status_code == 401
            admin = {"Authorization": f"Bearer {issue_token(AUTH, role=Role.ADMIN)}"}
            assert (await api.request(method, path, headers=admin)).status_code == 403
        listed = await api.get("/api/portal/social/connections", headers=client_headers(owner))
        assert [c["id"] for c in listed.json()] == [connection_id]  # the other's tries: no effect


async def test_on_demand_sync_at_most_once_an_hour(system: RunningSystem) -> None:
    owner = f"sync-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner)
    path = f"/api/portal/social/connections/{connection_id}/refresh"
    async with system.client("connector") as api:
        first = await api.post(path, headers=client_headers(owner))
        assert first.status_code == 202, first.text
        second = await api.post(path, headers=client_headers(owner))
        assert second.status_code == 429
        retry_after = int(second.headers["retry-after"])
        assert 3500 <= retry_after <= 3601
    requests = await read_topics(
        system.kafka,
        [topics.SYNC_REQUESTS],
        until=lambda rs: any(
            r.key == connection_id.encode() and b'"on_demand"' in r.value for r in rs
        ),
    )
    on_demand = [
        r for r in requests if r.key == connection_id.encode() and b'"on_demand"' in r.value
    ]
    assert len(on_demand) == 1  # the refused second request emitted nothing


async def test_disconnect_keeps_history_unless_asked_to_purge(system: RunningSystem) -> None:
    owner = f"bye-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner)
    headers = client_headers(owner)
    async with system.client("analytics") as analytics:

        async def history() -> Any:
            answer = await analytics.get("/api/portal/social/instagram/metrics", headers=headers)
            return answer.json()["days"] if answer.status_code == 200 else None

        assert await eventually(history)
        async with system.client("connector") as api:
            gone = await api.delete(
                f"/api/portal/social/connections/{connection_id}", headers=headers
            )
            assert gone.status_code == 204
            assert (await api.get("/api/portal/social/connections", headers=headers)).json() == []

        async def left_overview() -> Any:
            body = (await analytics.get("/api/portal/social/overview", headers=headers)).json()
            return body if body["accounts"] == [] else None

        await eventually(left_overview)
        assert await history()  # the history stays

    second = await connect(system, owner, account="declining_dan")
    async with system.client("connector") as api:
        purged = await api.delete(
            f"/api/portal/social/connections/{second}",
            params={"purge_history": "true"},
            headers=headers,
        )
        assert purged.status_code == 204
    async with system.client("analytics") as analytics:

        async def emptied() -> bool:
            answer = await analytics.get("/api/portal/social/instagram/metrics", headers=headers)
            body = answer.json()
            return (
                answer.status_code == 200 and body["connection_id"] == second and not body["days"]
            )

        await eventually(emptied)


async def test_internal_token_route_is_for_services_only(system: RunningSystem) -> None:
    owner = f"int-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner)
    path = f"/internal/connections/{connection_id}/access-token"
    async with system.client("connector") as public:
        # Not on the public port at all, whatever the credential.
        assert (await public.get(path, headers=SERVICE)).status_code == 404
        assert (
            await public.post(BATCH, json={"connection_ids": [connection_id]})
        ).status_code == 404
    async with system.internal_client("connector") as api:
        assert (await api.get(path)).status_code == 401
        assert (await api.get(path, headers=client_headers(owner))).status_code == 403
        lent = await api.get(path, headers=SERVICE)
        assert lent.status_code == 200 and "refresh_token" not in lent.json()
        unknown = await api.get(
            f"/internal/connections/{uuid.uuid4()}/access-token", headers=SERVICE
        )
        assert unknown.status_code == 404


async def test_a_token_never_leaks(
    system: RunningSystem, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    owner = f"leak-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner, account="viral_vera")
    answers: list[str] = []
    async with system.internal_client("connector") as internal:
        token = (
            await internal.get(
                f"/internal/connections/{connection_id}/access-token", headers=SERVICE
            )
        ).json()["access_token"]
    async with system.client("connector") as api:
        headers = client_headers(owner)
        for path in ("/api/portal/social/connections",):
            answers.append((await api.get(path, headers=headers)).text)
        answers.append(
            (
                await api.post(
                    f"/api/portal/social/connections/{connection_id}/refresh", headers=headers
                )
            ).text
        )
        admin = {"Authorization": f"Bearer {issue_token(AUTH, role=Role.ADMIN)}"}
        answers.append((await api.get("/api/admin/social/connections", headers=admin)).text)
    metrics = []
    for name in system.urls:
        async with system.internal_client(name) as service:
            metrics.append((await service.get("/metrics")).text)
    records = await read_topics(
        system.kafka,
        topics.all_topics(),
        until=lambda rs: any(r.key == connection_id.encode() for r in rs),
    )
    logs = logged(capfd, caplog)
    assert token.startswith("IGAA")
    assert all(token not in answer for answer in answers)  # HTTP answers
    assert all(token not in text for text in metrics)  # metric labels
    assert all(token.encode() not in r.value and token not in str(r.headers) for r in records)
    assert connection_id in logs and token not in logs  # log lines


def keeper_of(system: RunningSystem) -> ConnectorContext:
    context: ConnectorContext = system.apps["connector"].state.connector
    return context


async def stored(system: RunningSystem, connection_id: str) -> Connection:
    async with keeper_of(system).runtime.sessions() as session:
        row = await session.get(Connection, uuid.UUID(connection_id))
    assert row is not None
    return row


async def expire_soon(system: RunningSystem, connection_id: str) -> None:
    """Make the stored token one that dies within the lending lead (as if 2 h had passed)."""
    async with keeper_of(system).runtime.sessions() as session:
        connection = await session.connection()
        await connection.execute(
            update(Connection)
            .where(col(Connection.id) == uuid.UUID(connection_id))
            .values(access_expires_at=clock.now() + timedelta(minutes=1))
        )
        await session.commit()


def logged(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """Every log line of the test: the services' handler writes to the ``sys.stderr`` of the
    module's set-up, which ``capfd`` does not see, so the log records are read too."""
    captured = capfd.readouterr()
    return "\n".join((captured.out, captured.err, caplog.text))


async def initial_sync_settled(system: RunningSystem, connection_id: str) -> None:
    """The ingestor's initial sync borrows the token too: let it finish before touching it."""
    async with system.client("ingestor") as ingestor:

        async def settled() -> bool:
            answer = await ingestor.get(
                "/api/admin/social/syncs", params={"connection_id": connection_id}, headers=ADMIN
            )
            return answer.status_code == 200 and any(
                run["reason"] == "initial" and run["status"] in ("succeeded", "failed", "deferred")
                for run in answer.json()
            )

        await eventually(settled)


async def emulator_fault(system: RunningSystem, **spec: object) -> None:
    async with httpx.AsyncClient(base_url=system.emulator_url) as emulator:
        answer = await emulator.post("/_emulator/faults", json=spec)
        assert answer.status_code == 200, answer.text


async def test_the_batch_token_route_answers_every_id_once(
    system: RunningSystem, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    run = uuid.uuid4().hex[:6]
    accounts = ("stalled_sam", "viral_vera", "declining_dan")
    alive = [await connect(system, f"bat{i}-{run}", account) for i, account in enumerate(accounts)]
    left = f"batgone-{run}"
    disconnected = await connect(system, left)
    unknown = str(uuid.uuid4())
    async with system.client("connector") as public, system.internal_client("connector") as api:
        singles = {
            c: (await api.get(f"/internal/connections/{c}/access-token", headers=SERVICE)).json()
            for c in alive
        }
        gone = await public.delete(
            f"/api/portal/social/connections/{disconnected}", headers=client_headers(left)
        )
        assert gone.status_code == 204
        asked = [*alive, disconnected, alive[0], unknown]  # a duplicate is answered once
        answer = await api.post(BATCH, json={"connection_ids": asked}, headers=SERVICE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    lent = {grant["connection_id"]: grant for grant in body["tokens"]}
    refused = {entry["connection_id"]: entry for entry in body["unavailable"]}
    assert len(body["tokens"]) + len(body["unavailable"]) == len(set(asked))
    assert lent.keys() == set(alive) and refused.keys() == {disconnected, unknown}
    assert lent == singles  # the single route's grant, field for field
    assert all("refresh_token" not in grant for grant in lent.values())
    for entry in refused.values():
        assert entry["reason"] == "gone" and entry["retry_after"] is None, entry
    logs = logged(capfd, caplog)
    assert "access tokens lent" in logs
    for grant in lent.values():
        assert grant["access_token"] not in logs


async def test_the_batch_token_route_is_for_services_only_and_bounded(
    system: RunningSystem,
) -> None:
    owner = f"batauth-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner)
    body = {"connection_ids": [connection_id]}
    wrong = {"Authorization": "Bearer not-the-service-token"}
    async with system.internal_client("connector") as api:
        assert (await api.post(BATCH, json=body)).status_code == 401
        assert (await api.post(BATCH, json=body, headers=client_headers(owner))).status_code == 403
        assert (await api.post(BATCH, json=body, headers=ADMIN)).status_code == 403
        assert (await api.post(BATCH, json=body, headers=wrong)).status_code == 403

        empty = await api.post(BATCH, json={"connection_ids": []}, headers=SERVICE)
        assert empty.status_code == 422 and "at least 1" in empty.text, empty.text
        too_many = [str(uuid.uuid4()) for _ in range(501)]
        refused = await api.post(BATCH, json={"connection_ids": too_many}, headers=SERVICE)
        assert refused.status_code == 422 and "at most 500" in refused.text, refused.text
        # 500 is allowed: one query for all of them (unknown ones are simply gone).
        most = [connection_id, *too_many[:499]]
        full = await api.post(BATCH, json={"connection_ids": most}, headers=SERVICE)
    assert full.status_code == 200, full.text
    assert [g["connection_id"] for g in full.json()["tokens"]] == [connection_id]
    assert len(full.json()["unavailable"]) == 499


async def test_the_batch_refreshes_a_token_about_to_expire_once(
    system: RunningSystem, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """TikTok rotates single-use refresh tokens: a second refresh with the same one would be
    refused (and end in reauth_required), so a clean answer proves the refresh ran once."""
    owner = f"batrot-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner, "steady_creator", platform="tiktok")
    await initial_sync_settled(system, connection_id)
    keeper = keeper_of(system).keeper
    before = await stored(system, connection_id)
    old_access, old_refresh = keeper.decrypt_access(before), keeper.decrypt_refresh(before)
    await expire_soon(system, connection_id)
    logged(capfd, caplog)
    caplog.clear()  # only the lines of the batch calls below
    async with system.internal_client("connector") as api:
        body = {"connection_ids": [connection_id, connection_id]}
        first = await api.post(BATCH, json=body, headers=SERVICE)
        second = await api.post(BATCH, json=body, headers=SERVICE)
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    assert first.json()["unavailable"] == [] and len(first.json()["tokens"]) == 1
    lent = first.json()["tokens"][0]
    after = await stored(system, connection_id)
    assert lent["access_token"] != old_access
    assert lent["access_token"] == keeper.decrypt_access(after)
    assert keeper.decrypt_refresh(after) not in (None, old_refresh)  # rotated and stored
    expires_at = as_utc(after.access_expires_at)
    assert expires_at is not None and expires_at > clock.now() + timedelta(minutes=30)
    assert second.json()["tokens"] == [lent]  # fresh now: lent as is, not refreshed again
    text = logged(capfd, caplog)
    refreshed = [
        line for line in text.splitlines() if "token refreshed" in line and connection_id in line
    ]
    assert len(refreshed) == 1, refreshed
    for secret in (old_access, lent["access_token"], old_refresh, keeper.decrypt_refresh(after)):
        assert secret is not None and secret not in text


async def test_the_batch_reports_a_refused_refresh_as_reauth_required(
    system: RunningSystem,
) -> None:
    owner = f"batrev-{uuid.uuid4().hex[:6]}"
    revoked = await connect(system, owner, "stalled_sam", platform="tiktok")
    healthy = await connect(system, f"batok-{uuid.uuid4().hex[:6]}")
    await initial_sync_settled(system, revoked)
    await emulator_fault(system, platform="tiktok", kind="revoke", account="stalled_sam")
    await expire_soon(system, revoked)
    async with system.client("connector") as public, system.internal_client("connector") as api:
        body = {"connection_ids": [revoked, healthy]}
        answer = await api.post(BATCH, json=body, headers=SERVICE)
        assert answer.status_code == 200, answer.text
        assert [g["connection_id"] for g in answer.json()["tokens"]] == [healthy]
        [entry] = answer.json()["unavailable"]
        assert entry["connection_id"] == revoked and entry["reason"] == "reauth_required"
        assert entry["detail"].startswith("re-authorization required")
        # The connection is flagged for the client, and stays refused without another refresh.
        rows = (
            await public.get("/api/portal/social/connections", headers=client_headers(owner))
        ).json()
        assert rows[0]["status"] == "reauth_required"
        again = await api.post(BATCH, json={"connection_ids": [revoked]}, headers=SERVICE)
        assert again.json()["unavailable"][0]["reason"] == "reauth_required"
        single = await api.get(f"/internal/connections/{revoked}/access-token", headers=SERVICE)
        assert single.status_code == 409  # the single route agrees
