"""The Instagram slice across the five services, on SQLite and on PostgreSQL, real broker.

connect → consent on the emulator → callback → tokens stored encrypted → connection event →
initial sync → snapshot on the Instagram topic → analytics stores it → derived event reaches
alerts and reports → connections and overview answer over HTTP. Plus: no token ever on Kafka,
a malformed connection event is dead-lettered without stopping the consumers.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from emulator.driver import consent
from services.registry import SERVICES
from shared.auth import Role, issue_token
from shared.db import create_engine
from shared.messaging import topics
from shared.platforms import Platform
from shared.settings import AuthSettings
from tests.support.kafka import read_topics
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
AUTH = AuthSettings()


def bearer(role: Role, client_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(AUTH, role=role, client_id=client_id)}"}


async def scalar(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(sql))).scalar()
    finally:
        await engine.dispose()


async def connect_instagram(system: RunningSystem, client_id: str, account: str) -> str:
    """The whole browser dance; returns the new connection's id."""
    connection_id, _ = await connect_instagram_traced(system, client_id, account)
    return connection_id


async def connect_instagram_traced(
    system: RunningSystem, client_id: str, account: str
) -> tuple[str, str]:
    """As above, plus the correlation id the callback request ran under."""
    async with system.client("connector") as connector, httpx.AsyncClient() as browser:
        started = await connector.post(
            "/api/portal/social/connect/instagram", headers=bearer(Role.CLIENT, client_id)
        )
        assert started.status_code == 200, started.text
        location = await consent(browser, started.json()["authorization_url"], account=account)
        assert location.startswith(system.urls["connector"] + "/api/portal/social/callback/")
        landed = await connector.get(location.replace(system.urls["connector"], ""))
        assert landed.status_code == 303
        result = parse_qs(urlsplit(landed.headers["location"]).query)
        assert result["status"] == ["connected"], result
        return result["connection_id"][0], landed.headers["x-correlation-id"]


async def test_instagram_slice_end_to_end(system: RunningSystem) -> None:
    client_id = f"client-{uuid.uuid4().hex[:6]}"
    connection_id = await connect_instagram(system, client_id, "steady_creator")

    async with httpx.AsyncClient() as http:
        accounts = (await http.get(f"{system.emulator_url}/_emulator/accounts")).json()
    expected = next(a for a in accounts["accounts"] if a["key"] == "steady_creator")["followers"]

    async with system.client("analytics") as analytics:

        async def overview() -> Any:
            answer = await analytics.get(
                "/api/portal/social/overview", headers=bearer(Role.CLIENT, client_id)
            )
            body = answer.json()
            return body if body["accounts"] and body["accounts"][0]["followers"] else None

        body = await eventually(overview)
    account = body["accounts"][0]
    assert account["connection_id"] == connection_id
    assert account["platform"] == "instagram"
    assert account["username"] == "steady_creator"
    assert account["followers"] == expected
    assert body["totals"]["followers"] == expected
    assert account["engagement_formula"]

    async with system.client("connector") as connector:

        async def synced() -> Any:
            answer = await connector.get(
                "/api/portal/social/connections", headers=bearer(Role.CLIENT, client_id)
            )
            rows = answer.json()
            return rows if rows and rows[0]["last_synced_at"] else None

        rows = await eventually(synced)
        assert [r["id"] for r in rows] == [connection_id]
        assert rows[0]["status"] == "active" and rows[0]["token_health"] == "ok"
        assert not {"access_token", "refresh_token", "access_token_ct"} & set(rows[0])

    # The clear token, as the ingestor borrows it on the internal port: nowhere else may it be.
    async with system.internal_client("connector") as internal:
        lent = await internal.get(
            f"/internal/connections/{connection_id}/access-token",
            headers={"Authorization": f"Bearer {AUTH.service_token.get_secret_value()}"},
        )
        assert lent.status_code == 200
        token = lent.json()["access_token"]
        assert token.startswith("IGAA")

        # A user's JWT does not open the internal route.
        denied = await internal.get(
            f"/internal/connections/{connection_id}/access-token",
            headers=bearer(Role.ADMIN),
        )
        assert denied.status_code == 403

    # Alerts and reports built their read models from analytics' derived event: alerts keep
    # the latest state of the account, reports one row per day (today and backfilled days).
    async def count(service: str, table: str) -> Any:
        return await scalar(
            system.database_urls[service],
            f"SELECT count(*) FROM {table} WHERE client_id = '{client_id}'",  # noqa: S608
        )

    assert await eventually(lambda: count("alerts", "watched_accounts")) == 1
    assert await eventually(lambda: count("reports", "report_days")) >= 1

    # The database holds only ciphertext.
    stored = await scalar(
        system.database_urls["connector"],
        f"SELECT access_token_ct FROM connections WHERE client_id = '{client_id}'",  # noqa: S608
    )
    assert stored.startswith("v1.") and token not in stored

    # Analysts' view: every topic, every message — the token is in none of them.
    every_topic = topics.all_topics()
    key = connection_id.encode()
    ours = {topics.CONNECTIONS, topics.snapshots(Platform.INSTAGRAM), topics.METRICS_UPDATED}
    # The broker outlives this module's system: wait for *this* connection's records.
    records = await read_topics(
        system.kafka, every_topic, until=lambda rs: {r.topic for r in rs if r.key == key} >= ours
    )
    assert {r.topic for r in records if r.key == key} >= ours
    for record in records:
        assert token.encode() not in record.value
        assert token not in str(record.headers)


async def test_cross_client_isolation_and_admin_view(system: RunningSystem) -> None:
    owner = f"owner-{uuid.uuid4().hex[:6]}"
    other = f"other-{uuid.uuid4().hex[:6]}"
    connection_id = await connect_instagram(system, owner, "viral_vera")
    async with system.client("connector") as connector, system.client("analytics") as analytics:
        mine = await connector.get(
            "/api/portal/social/connections", headers=bearer(Role.CLIENT, other)
        )
        assert mine.status_code == 200 and mine.json() == []

        async def owner_sees_it() -> bool:
            own = await analytics.get(
                "/api/portal/social/instagram/metrics", headers=bearer(Role.CLIENT, owner)
            )
            return own.status_code == 200 and own.json()["connection_id"] == connection_id

        await eventually(owner_sees_it)  # analytics knows the connection now ...
        theirs = await analytics.get(  # ... and still shows it to no other client
            "/api/portal/social/instagram/metrics", headers=bearer(Role.CLIENT, other)
        )
        assert theirs.status_code == 404
        assert theirs.json()["detail"] == "not connected: the client has no instagram account"

        listed = await connector.get(
            "/api/admin/social/connections",
            params={"client_id": owner},
            headers=bearer(Role.ADMIN),
        )
        assert [c["id"] for c in listed.json()] == [connection_id]
        assert (
            await connector.get("/api/admin/social/connections", headers=bearer(Role.CLIENT, owner))
        ).status_code == 403


async def test_bad_input_at_the_edges(system: RunningSystem) -> None:
    async with system.client("connector") as connector:
        no_token = await connector.post("/api/portal/social/connect/instagram")
        assert no_token.status_code == 401
        wrong_role = await connector.post(
            "/api/portal/social/connect/instagram", headers=bearer(Role.ADMIN)
        )
        assert wrong_role.status_code == 403
        unknown = await connector.post(
            "/api/portal/social/connect/myspace", headers=bearer(Role.CLIENT, "c")
        )
        assert unknown.status_code == 404 and "myspace" in unknown.json()["detail"]
        tampered = await connector.get(
            "/api/portal/social/callback/instagram", params={"code": "x", "state": "forged"}
        )
        assert tampered.status_code == 303
        assert "error=invalid_state" in tampered.headers["location"]
        assert (
            await connector.get("/api/portal/social/connections", headers=bearer(Role.ADMIN))
        ).status_code == 403
    for name in SERVICES:
        async with system.client(name) as service:
            assert (await service.get("/healthz")).status_code == 200
            ready = await service.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
            assert (await service.get("/metrics")).status_code == 404  # internal port only
        async with system.internal_client(name) as internal:
            metrics = (await internal.get("/metrics")).text
            assert "lsa_http_request_duration_seconds" in metrics


async def test_malformed_event_is_dead_lettered_and_consumers_go_on(system: RunningSystem) -> None:
    runtime = system.apps["analytics"].state.runtime
    key = f"malformed-{uuid.uuid4().hex[:8]}".encode()  # this run's, not an earlier one's
    await runtime.broker.publish(
        b'{"type": "connection.established", "oops": 1}', topics.CONNECTIONS, key=key
    )
    parked = await read_topics(
        system.kafka,
        [topics.dead_letter(topics.CONNECTIONS)],
        until=lambda rs: (
            {r.headers.get("x-consumer-group") for r in rs if r.key == key}
            >= {"analytics.connections", "ingestor.connections"}
        ),
    )
    groups = {r.headers["x-consumer-group"] for r in parked if r.key == key}
    assert groups >= {"analytics.connections", "ingestor.connections"}
    assert all(r.headers["x-dlq-reason"] == "invalid" for r in parked if r.key == key)
    # ... and the same consumers still handle the next connection.
    client_id = f"after-{uuid.uuid4().hex[:6]}"
    await connect_instagram(system, client_id, "stalled_sam")
    async with system.client("analytics") as analytics:

        async def tracked() -> Any:
            answer = await analytics.get(
                "/api/portal/social/overview", headers=bearer(Role.CLIENT, client_id)
            )
            return answer.json()["accounts"]

        assert (await eventually(tracked))[0]["username"] == "stalled_sam"


async def test_one_correlation_id_follows_the_work_across_services(system: RunningSystem) -> None:
    """The callback's correlation id is on every event it caused, hop after hop."""
    client_id = f"traced-{uuid.uuid4().hex[:6]}"
    connection_id, correlation_id = await connect_instagram_traced(
        system, client_id, "declining_dan"
    )
    caused = [
        topics.CONNECTIONS,
        topics.SYNC_REQUESTS,
        topics.snapshots(Platform.INSTAGRAM),
        topics.METRICS_UPDATED,
    ]
    records = await read_topics(
        system.kafka,
        caused,
        until=lambda rs: {r.topic for r in rs if r.key == connection_id.encode()} >= set(caused),
    )
    mine = [r for r in records if r.key == connection_id.encode()]
    assert {r.topic for r in mine} == set(caused)
    assert {r.headers.get("correlation_id") for r in mine} == {correlation_id}
