"""Fault injection and latency, through the ``/_emulator`` control API."""

import json
import time

import httpx

from emulator import EmulatorSettings
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import GRAPH, emulator, long_token, meta_error

FAULTS = "/_emulator/faults"


async def add_fault(client: httpx.AsyncClient, **spec: object) -> dict[str, object]:
    response = await client.post(FAULTS, json={"platform": "instagram", **spec})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(f"{GRAPH}/me", params={"access_token": token, "fields": "username"})


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/_emulator/health")
    assert response.json() == {"status": "ok"}


async def test_accounts_listing(client: httpx.AsyncClient) -> None:
    body = (await client.get("/_emulator/accounts")).json()
    assert body["today"] == "2026-11-20"
    keys = {a["key"] for a in body["accounts"]}
    assert {"steady_creator", "viral_vera", "stalled_sam", "declining_dan"} <= keys
    assert {"new_nina", "personal_pat"} <= keys


async def test_rate_limit_fault(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    await add_fault(client, kind="rate_limit", count=2, retry_after=30)
    for _ in range(2):
        response = await me(client, token)
        assert response.status_code == 403
        error = meta_error(response)
        assert error["code"] == 4
        assert error["message"] == "(#4) Application request limit reached"
        assert response.headers["Retry-After"] == "30"
        assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100
    recovered = await me(client, token)
    assert recovered.status_code == 200
    assert json.loads(recovered.headers["X-App-Usage"])["call_count"] < 100
    assert (await client.get(FAULTS)).json() == {"faults": []}


async def test_rate_limit_for_one_account_only(client: httpx.AsyncClient) -> None:
    steady = await long_token(client)
    vera = await long_token(client, "viral_vera")
    await add_fault(client, kind="rate_limit", account="viral_vera")
    assert (await me(client, steady)).status_code == 200
    assert meta_error(await me(client, vera))["code"] == 4
    assert (await me(client, vera)).status_code == 200


async def test_server_error_fault(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    await add_fault(client, kind="server_error", count=1)
    response = await me(client, token)
    assert response.status_code == 500
    error = meta_error(response)
    assert error["code"] == 2
    assert "retry your request later" in str(error["message"])
    assert (await me(client, token)).status_code == 200


async def test_expire_tokens_fault(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    other = await long_token(client, "viral_vera")
    await add_fault(client, kind="expire_tokens", account="steady_creator")
    error = meta_error(await me(client, token))
    assert (error["code"], error["error_subcode"]) == (190, 463)
    assert (await me(client, other)).status_code == 200
    refresh = await client.get(
        "/graph.instagram.com/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": token},
    )
    assert meta_error(refresh)["error_subcode"] == 463
    # Reconnecting after the fault yields a working token.
    fresh = await long_token(client)
    assert (await me(client, fresh)).status_code == 200


async def test_revoke_fault(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    await add_fault(client, kind="revoke", account="steady_creator")
    error = meta_error(await me(client, token))
    assert (error["code"], error["error_subcode"]) == (190, 460)
    refresh = await client.get(
        "/graph.instagram.com/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": token},
    )
    assert meta_error(refresh)["error_subcode"] == 460


async def test_retire_metric_fault_and_clearing(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    media = (await client.get(f"{GRAPH}/me/media", params={"access_token": token})).json()
    media_id = media["data"][0]["id"]
    url = f"{GRAPH}/{media_id}/insights"
    params = {"access_token": token, "metric": "reach,views"}
    assert (await client.get(url, params=params)).status_code == 200
    await add_fault(client, kind="retire_metric", metric="views")
    listed = (await client.get(FAULTS)).json()["faults"]
    assert [(f["kind"], f["metric"]) for f in listed] == [("retire_metric", "views")]
    error = meta_error(await client.get(url, params=params))
    assert error["code"] == 100
    assert "views" in str(error["message"])
    cleared = await client.delete(FAULTS)
    assert cleared.json() == {"cleared": 1}
    assert (await client.get(url, params=params)).status_code == 200


async def test_latency_fault_and_setting() -> None:
    async with emulator(EmulatorSettings(today=TODAY, latency_ms=100)) as (_, client):
        token = await long_token(client)
        started = time.perf_counter()
        assert (await me(client, token)).status_code == 200
        assert time.perf_counter() - started >= 0.095
        started = time.perf_counter()
        await client.get("/_emulator/health")
        assert time.perf_counter() - started < 0.09
        await add_fault(client, kind="latency", latency_ms=120, count=1)
        started = time.perf_counter()
        await me(client, token)
        assert time.perf_counter() - started >= 0.215
        started = time.perf_counter()
        await me(client, token)
        assert time.perf_counter() - started < 0.215


async def test_invalid_fault_specs_refused(client: httpx.AsyncClient) -> None:
    missing_account = await client.post(FAULTS, json={"platform": "instagram", "kind": "revoke"})
    assert missing_account.status_code == 422
    unknown_kind = await client.post(FAULTS, json={"platform": "instagram", "kind": "explode"})
    assert unknown_kind.status_code == 422
    for incomplete in ({"account": "steady_creator"}, {"converted_on": "2026-11-01"}):
        conversion = {"platform": "instagram", "kind": "business_conversion", **incomplete}
        assert (await client.post(FAULTS, json=conversion)).status_code == 422
    unknown_platform = await client.post(FAULTS, json={"platform": "myspace", "kind": "rate_limit"})
    assert unknown_platform.status_code == 400
    assert (await client.get(FAULTS)).json() == {"faults": []}
