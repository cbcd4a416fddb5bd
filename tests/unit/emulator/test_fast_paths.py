"""What keeps the emulator cheap per call answers exactly as before: memoized answers, JSON
rendering and decoded-token memory."""

import json
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import JSONResponse

from emulator import EmulatorSettings
from emulator.core import EmulatorCore, FastJSONResponse, Memo, json_bytes
from emulator.x.tokens import parse_access_token
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import emulator
from tests.unit.emulator.test_x import STEADY_ID, add_fault, me, problem, timeline, tokens


async def test_memoized_answers_follow_faults_and_the_date() -> None:
    async with emulator(EmulatorSettings(today=TODAY)) as (app, client):
        token = (await tokens(client))["access_token"]
        first = await timeline(client, token, STEADY_ID)
        assert first.status_code == 200
        assert (await timeline(client, token, STEADY_ID)).content == first.content
        # A retired field fails the same query that was answered (and memoized) before.
        await add_fault(client, kind="retire_metric", metric="non_public_metrics")
        refused = await timeline(client, token, STEADY_ID)
        assert refused.status_code == 400
        assert problem(refused)["type"].endswith("invalid-request")
        await client.delete("/_emulator/faults")
        assert (await timeline(client, token, STEADY_ID)).content == first.content
        # Tomorrow's numbers are tomorrow's.
        core: EmulatorCore = app.state.core
        before = (await me(client, token)).json()["data"]["public_metrics"]
        core.settings.today = TODAY + timedelta(days=30)
        after = (await me(client, token)).json()["data"]["public_metrics"]
        assert after != before
        assert (await timeline(client, token, STEADY_ID)).content != first.content


async def test_rate_limit_headers_are_per_call_not_memoized(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    remaining = [int((await me(client, token)).headers["x-rate-limit-remaining"]) for _ in range(3)]
    assert remaining == sorted(remaining, reverse=True)
    assert len(set(remaining)) == 3


@pytest.mark.parametrize(
    "content",
    [
        {"data": [{"id": "1", "caption": 'Morning ☀️ "quoted" \\ back\nslash\t\u0001'}]},
        {"n": 0, "neg": -12, "big": 2**63 + 5, "huge": 2**70, "f": [0.0, 45.67, 1e16, 1e22]},
        {"nested": {"a": [True, False, None, [], {}]}, "ü": "ß", "emoji": "👀"},
        {1: "int key", "x": "y"},
        [],
        "plain",
    ],
)
def test_json_bytes_renders_like_jsonresponse(content: object) -> None:
    assert json_bytes(content) == JSONResponse(content).body
    assert FastJSONResponse(content).body == JSONResponse(content).body
    fast, slow = FastJSONResponse(content, status_code=201), JSONResponse(content, status_code=201)
    assert fast.raw_headers == slow.raw_headers


def test_memo_is_bounded_and_keeps_no_failures() -> None:
    memo = Memo(max_entries=3, max_weight=10)
    for i in range(5):
        assert memo.get(("k", i), partial(int, i * 2)) == i * 2
    assert len(memo) == 3
    assert memo.get(("k", 4), lambda: -1) == 8  # still there: no recomputation
    assert memo.get("big", lambda: b"x" * 20) == b"x" * 20  # heavier than the budget: not kept
    assert memo.get("big", lambda: b"y") == b"y"
    memo.get("a", lambda: b"123456")
    memo.get("b", lambda: b"123456")  # the budget drops the oldest
    assert memo.get("a", lambda: b"new") == b"new"

    def fail() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        memo.get("f", fail)
    assert memo.get("f", lambda: 7) == 7


@pytest.mark.parametrize(
    "moment",
    [0.0, 86399.9999996, 86399.9995, 1795478399.9999996, 1795478400.0, 1795478400.5, -1.5],
)
def test_today_matches_the_utc_calendar(moment: float) -> None:
    core = EmulatorCore(EmulatorSettings())
    core.clock = lambda: moment
    assert core.today() == datetime.fromtimestamp(moment, UTC).date()
    core.clock = lambda: moment + 86400
    assert core.today() == datetime.fromtimestamp(moment + 86400, UTC).date()


async def test_decoded_tokens_are_remembered_but_never_trusted_blindly(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    token: str = (await tokens(client))["access_token"]
    signer = app.state.core.signer
    parsed = parse_access_token(signer, token)
    assert parsed is not None
    assert parse_access_token(signer, token) is parsed
    assert parse_access_token(signer, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    other = EmulatorCore(EmulatorSettings(signing_key="another-key")).signer
    assert parse_access_token(other, token) is None
    assert json.loads((await me(client, token)).content)["data"]["id"] == STEADY_ID
