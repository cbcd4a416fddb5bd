"""The ingestor's triggers and failure handling, on the running system (real broker, both DBs).

initial sync with backfill · daily trigger once per day · on-demand · expired token refreshed and
retried once · revoked token → reconnect request · rate limit parked and retried when due ·
retired metric reported, not failed · every failure on the sync-failure topic · raw answers kept.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator.driver import consent
from services.ingestor import jobs
from shared import clock
from shared.auth import Role, issue_token
from shared.messaging import topics
from shared.settings import AuthSettings
from tests.support.kafka import read_topics
from tests.support.system import HUNG_SYNC_SECONDS, RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
AUTH = AuthSettings()


def admin_headers() -> dict[str, str]:
    """Minted per call: a test may move the clock past a token's hour."""
    return {"Authorization": f"Bearer {issue_token(AUTH, role=Role.ADMIN)}"}


def client_headers(client_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(AUTH, role=Role.CLIENT, client_id=client_id)}"}


async def connect(system: RunningSystem, client_id: str, platform: str, account: str) -> str:
    async with system.client("connector") as connector, httpx.AsyncClient() as browser:
        started = await connector.post(
            f"/api/portal/social/connect/{platform}", headers=client_headers(client_id)
        )
        assert started.status_code == 200, started.text
        location = await consent(browser, started.json()["authorization_url"], account=account)
        landed = await connector.get(location.replace(system.urls["connector"], ""))
        result = parse_qs(urlsplit(landed.headers["location"]).query)
        assert result["status"] == ["connected"], result
        return result["connection_id"][0]


async def runs(system: RunningSystem, connection_id: str) -> list[dict[str, Any]]:
    async with system.client("ingestor") as ingestor:
        answer = await ingestor.get(
            "/api/admin/social/syncs",
            params={"connection_id": connection_id},
            headers=admin_headers(),
        )
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()
        return rows


async def fault(system: RunningSystem, **spec: object) -> None:
    async with httpx.AsyncClient(base_url=system.emulator_url) as emulator:
        answer = await emulator.post("/_emulator/faults", json=spec)
        assert answer.status_code == 200, answer.text


async def request_sync(system: RunningSystem, client_id: str, connection_id: str) -> None:
    """The client asks for an on-demand sync, through the connector as the portal would."""
    async with system.client("connector") as connector:
        asked = await connector.post(
            f"/api/portal/social/connections/{connection_id}/refresh",
            headers=client_headers(client_id),
        )
        assert asked.status_code == 202, asked.text


async def settled(system: RunningSystem, connection_id: str, reason: str) -> dict[str, Any]:
    async def probe() -> Any:
        found = [r for r in await runs(system, connection_id) if r["reason"] == reason]
        return (
            found[0]
            if found and found[0]["status"] in ("succeeded", "failed", "deferred")
            else None
        )

    found: dict[str, Any] = await eventually(probe)
    return found


async def test_initial_sync_backfills_the_history_the_platform_gives(
    system: RunningSystem,
) -> None:
    client_id = f"bf-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "instagram", "steady_creator")
    run = await settled(system, connection_id, "initial")
    assert run["status"] == "succeeded" and run["snapshots"] > 1 and run["api_calls"] > 1
    async with system.client("analytics") as analytics:

        async def history() -> Any:
            answer = await analytics.get(
                "/api/portal/social/instagram/metrics", headers=client_headers(client_id)
            )
            days = answer.json()["days"] if answer.status_code == 200 else []
            return days if len(days) >= run["snapshots"] else None

        days = await eventually(history)
    backfilled = [d for d in days if d["backfill"]]
    assert len(backfilled) == run["snapshots"] - 1  # every day but today's live snapshot
    # Instagram reports new followers only (no losses): kept as such, never made into totals.
    assert all(d["new_followers"] and d["followers"] is None for d in backfilled)
    assert [d["follower_source"] for d in days if d["followers"] is not None] == ["observed"]
    # Raw answers of the sync are kept for an admin, with no token in them.
    async with system.client("ingestor") as ingestor:
        raw = await ingestor.get(
            "/api/admin/social/syncs/raw",
            params={"connection_id": connection_id, "day": clock.today().isoformat()},
            headers=admin_headers(),
        )
    assert raw.status_code == 200
    answers = raw.json()[0]["answers"]
    assert len(answers) == run["api_calls"]
    assert all("IGAA" not in a["url"] and "IGAA" not in a["body"] for a in answers)


async def test_daily_trigger_syncs_every_active_connection_once_a_day(
    system: RunningSystem,
) -> None:
    client_id = f"daily-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "tiktok", "stalled_sam")
    await settled(system, connection_id, "initial")
    runtime = system.apps["ingestor"].state.ingestor.runtime
    day = datetime(2099, 1, int(uuid.uuid4().int % 28) + 1, tzinfo=UTC).date()  # unclaimed
    requested = await jobs.request_daily_syncs(runtime, day=day)
    assert requested >= 1
    assert await jobs.request_daily_syncs(runtime, day=day) == 0  # claimed once per day
    run = await settled(system, connection_id, "daily")
    assert run["status"] == "succeeded"


async def test_on_demand_sync_through_the_connector(system: RunningSystem) -> None:
    client_id = f"od-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "youtube", "viral_vera")
    await settled(system, connection_id, "initial")
    await request_sync(system, client_id, connection_id)
    assert (await settled(system, connection_id, "on_demand"))["status"] == "succeeded"


async def test_an_expired_token_is_refreshed_and_the_sync_retried_once(
    system: RunningSystem,
) -> None:
    client_id = f"exp-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "x", "declining_dan")
    await settled(system, connection_id, "initial")
    await fault(system, platform="x", kind="expire_tokens", account="declining_dan")
    await request_sync(system, client_id, connection_id)
    run = await settled(system, connection_id, "on_demand")
    assert run["status"] == "succeeded", run
    assert run["attempt"] == 1  # refreshed and retried inside the same attempt


async def test_a_revoked_token_asks_the_client_to_reconnect(system: RunningSystem) -> None:
    client_id = f"rev-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "linkedin", "stalled_sam")
    await settled(system, connection_id, "initial")
    await fault(system, platform="linkedin", kind="revoke", account="stalled_sam")
    await request_sync(system, client_id, connection_id)
    run = await settled(system, connection_id, "on_demand")
    assert run["status"] == "failed" and run["error_class"] == "reauth_required"
    async with system.client("connector") as connector:

        async def flagged() -> Any:
            rows = (
                await connector.get(
                    "/api/portal/social/connections", headers=client_headers(client_id)
                )
            ).json()
            return rows if rows[0]["status"] == "reauth_required" else None

        rows = await eventually(flagged)
    assert rows[0]["token_health"] == "reauth_required"
    events = await read_topics(
        system.kafka,
        [topics.CONNECTIONS, topics.SYNC_FAILURES],
        until=lambda rs: any(
            r.key == connection_id.encode()
            and b"reauth_required" in r.value
            and r.topic == topics.CONNECTIONS
            for r in rs
        ),
    )
    mine = [json.loads(r.value) for r in events if r.key == connection_id.encode()]
    assert any(e["type"] == "connection.reauth_required" for e in mine)
    assert any(e["type"] == "sync.failed" and e["error_class"] == "reauth_required" for e in mine)


async def test_a_rate_limit_parks_the_sync_until_the_wait_is_over(system: RunningSystem) -> None:
    client_id = f"rl-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "tiktok", "viral_vera")
    await settled(system, connection_id, "initial")
    await fault(system, platform="tiktok", kind="rate_limit", count=1, retry_after=2)
    await request_sync(system, client_id, connection_id)

    async def retried() -> Any:
        found = [r for r in await runs(system, connection_id) if r["reason"] == "on_demand"]
        return found[0] if found and found[0]["status"] == "succeeded" else None

    run = await eventually(retried, timeout=30)
    assert run["attempt"] == 2  # parked once, then re-published when due
    failures = await read_topics(
        system.kafka,
        [topics.SYNC_FAILURES],
        until=lambda rs: any(r.key == connection_id.encode() for r in rs),
    )
    failure = json.loads(next(r.value for r in failures if r.key == connection_id.encode()))
    assert failure["error_class"] == "rate_limited" and failure["retry_at"]


async def test_a_hung_platform_call_is_cut_off_and_parked(system: RunningSystem) -> None:
    """A batch is committed when its slowest sync is done: a hung call must not hold it."""
    client_id = f"hung-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "tiktok", "steady_creator")
    await settled(system, connection_id, "initial")
    await fault(system, platform="tiktok", kind="latency", latency_ms=60_000, count=1)
    await request_sync(system, client_id, connection_id)
    run = await settled(system, connection_id, "on_demand")
    assert run["status"] == "deferred" and run["error_class"] == "transient"
    assert f"longer than {HUNG_SYNC_SECONDS:g} s" in run["error"]
    assert run["not_before"]  # parked: it will be re-published when due


async def test_a_retired_metric_is_reported_not_a_failed_sync(system: RunningSystem) -> None:
    client_id = f"ret-{uuid.uuid4().hex[:6]}"
    connection_id = await connect(system, client_id, "instagram", "stalled_sam")
    await settled(system, connection_id, "initial")
    await fault(system, platform="instagram", kind="retire_metric", metric="shares")
    await request_sync(system, client_id, connection_id)
    run = await settled(system, connection_id, "on_demand")
    assert run["status"] == "succeeded"
    async with system.client("analytics") as analytics:

        async def reported() -> Any:
            body = (
                await analytics.get(
                    "/api/portal/social/overview", headers=client_headers(client_id)
                )
            ).json()
            missing = body["accounts"][0]["missing_metrics"] if body["accounts"] else []
            return missing if "media.shares" in missing else None

        assert await eventually(reported) == ["media.shares"]
