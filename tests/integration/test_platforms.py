"""Every platform through the running services: one client connects all six accounts.

Same path as the Instagram slice — connector (OAuth, PKCE where the platform uses it, tokens
encrypted), connection event, ingestor (initial sync through that platform's client against the
emulator), the platform's snapshot topic, analytics — for TikTok, YouTube, X, LinkedIn and
Facebook Pages too.
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
from shared.platforms import Platform
from shared.settings import AuthSettings
from tests.support.kafka import read_topics
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_client_connects_all_six_platforms(system: RunningSystem) -> None:
    client_id = f"six-{uuid.uuid4().hex[:6]}"
    token = issue_token(AuthSettings(), role=Role.CLIENT, client_id=client_id)
    headers = {"Authorization": f"Bearer {token}"}
    connection_ids: dict[str, str] = {}
    async with system.client("connector") as connector, httpx.AsyncClient() as browser:
        for platform in Platform:
            started = await connector.post(
                f"/api/portal/social/connect/{platform.value}", headers=headers
            )
            assert started.status_code == 200, (platform, started.text)
            location = await consent(
                browser, started.json()["authorization_url"], account="steady_creator"
            )
            landed = await connector.get(location.replace(system.urls["connector"], ""))
            result = parse_qs(urlsplit(landed.headers["location"]).query)
            assert result["status"] == ["connected"], (platform, result)
            connection_ids[platform.value] = result["connection_id"][0]

        listed = (await connector.get("/api/portal/social/connections", headers=headers)).json()
        assert {c["platform"] for c in listed} == {p.value for p in Platform}
        assert all(c["status"] == "active" for c in listed)

    async with system.client("analytics") as analytics:

        async def all_synced() -> Any:
            body = (await analytics.get("/api/portal/social/overview", headers=headers)).json()
            synced = [a for a in body["accounts"] if a["last_snapshot_date"]]
            return body if len(synced) == len(Platform) else None

        overview = await eventually(all_synced, timeout=60)
    by_platform = {a["platform"]: a for a in overview["accounts"]}
    for platform in Platform:
        account = by_platform[platform.value]
        assert account["connection_id"] == connection_ids[platform.value]
        assert isinstance(account["followers"], int) and account["followers"] > 0, account
        assert account["engagement_formula"], account
    assert overview["totals"]["followers"] == sum(a["followers"] for a in overview["accounts"])

    # Each platform's snapshot went to its own topic, keyed by its connection.
    wanted = {(topics.snapshots(p), connection_ids[p.value].encode()) for p in Platform}
    records = await read_topics(
        system.kafka,
        [topics.snapshots(p) for p in Platform],
        until=lambda rs: {(r.topic, r.key) for r in rs} >= wanted,
    )
    assert {(r.topic, r.key) for r in records} >= wanted
