"""The connector's routes as the portal and CRM backends use them, on the running system.

Every object route is tried by the owner and by another client; a token must never show up in
an HTTP answer, a log line, a metric label or a Kafka message.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator.driver import consent
from shared.auth import Role, issue_token
from shared.messaging import topics
from shared.settings import AuthSettings
from tests.support.kafka import read_topics
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
AUTH = AuthSettings()
SERVICE = {"Authorization": f"Bearer {AUTH.service_token.get_secret_value()}"}


def client_headers(client_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(AUTH, role=Role.CLIENT, client_id=client_id)}"}


async def connect(system: RunningSystem, client_id: str, account: str = "stalled_sam") -> str:
    async with system.client("connector") as connector, httpx.AsyncClient() as browser:
        started = await connector.post(
            "/api/portal/social/connect/instagram", headers=client_headers(client_id)
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
            answer = await analytics.get(
                f"/api/portal/social/metrics/{connection_id}", headers=headers
            )
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
            answer = await analytics.get(f"/api/portal/social/metrics/{second}", headers=headers)
            return answer.status_code == 200 and answer.json()["days"] == []

        await eventually(emptied)


async def test_internal_token_route_is_for_services_only(system: RunningSystem) -> None:
    owner = f"int-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner)
    path = f"/internal/connections/{connection_id}/access-token"
    async with system.client("connector") as api:
        assert (await api.get(path)).status_code == 401
        assert (await api.get(path, headers=client_headers(owner))).status_code == 403
        lent = await api.get(path, headers=SERVICE)
        assert lent.status_code == 200 and "refresh_token" not in lent.json()
        unknown = await api.get(
            f"/internal/connections/{uuid.uuid4()}/access-token", headers=SERVICE
        )
        assert unknown.status_code == 404


async def test_a_token_never_leaks(
    system: RunningSystem, capfd: pytest.CaptureFixture[str]
) -> None:
    owner = f"leak-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, owner, account="viral_vera")
    answers: list[str] = []
    async with system.client("connector") as api:
        token = (
            await api.get(f"/internal/connections/{connection_id}/access-token", headers=SERVICE)
        ).json()["access_token"]
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
        async with system.client(name) as service:
            metrics.append((await service.get("/metrics")).text)
    records = await read_topics(
        system.kafka,
        topics.all_topics(),
        until=lambda rs: any(r.key == connection_id.encode() for r in rs),
    )
    logs = capfd.readouterr()
    assert token.startswith("IGAA")
    assert all(token not in answer for answer in answers)  # HTTP answers
    assert all(token not in text for text in metrics)  # metric labels
    assert all(token.encode() not in r.value and token not in str(r.headers) for r in records)
    assert token not in logs.out and token not in logs.err  # log lines
