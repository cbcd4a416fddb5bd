"""The ingestor's client of the connector's internal token routes, against a mocked connector."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
from pydantic import ValidationError

from services.connector.schemas import AccessTokensRequest
from services.ingestor.connector_client import (
    ConnectionGone,
    ConnectorClient,
    ConnectorUnavailable,
)
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.token_lending import MAX_TOKEN_BATCH

BASE = "http://connector.test"
SERVICE_TOKEN = "service-secret"
Handler = Callable[[httpx.Request], httpx.Response]


def recording(handler: Handler) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return seen, httpx.MockTransport(record)


def asked_ids(request: httpx.Request) -> list[str]:
    ids: list[str] = json.loads(request.content)["connection_ids"]
    return ids


def grant(connection_id: str, platform: str = "tiktok") -> dict[str, object]:
    return {
        "connection_id": connection_id,
        "platform": platform,
        "platform_user_id": "u1",
        "access_token": f"token-{connection_id}",
        "expires_at": None,
    }


async def test_one_call_lends_every_token_of_the_batch() -> None:
    ids = [uuid.uuid4() for _ in range(256)]
    seen, transport = recording(
        lambda request: httpx.Response(
            200, json={"tokens": [grant(i) for i in asked_ids(request)], "unavailable": []}
        )
    )
    async with httpx.AsyncClient(transport=transport) as http:
        client = ConnectorClient(http, f"{BASE}/", SERVICE_TOKEN)
        tokens = await client.access_tokens([*ids, ids[0]], dict.fromkeys(ids, Platform.TIKTOK))
    assert len(seen) == 1
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/internal/access-tokens"
    assert request.headers["authorization"] == f"Bearer {SERVICE_TOKEN}"
    assert asked_ids(request) == [str(i) for i in ids]  # the duplicate is asked once
    assert tokens == {i: f"token-{i}" for i in ids}
    assert list(tokens) == ids


async def test_each_reason_becomes_the_exception_the_single_call_raises() -> None:
    ok, gone, reauth, later, later_unsaid, novel = (uuid.uuid4() for _ in range(6))
    unavailable = [
        {"connection_id": str(gone), "reason": "gone", "detail": "no such connection"},
        {
            "connection_id": str(reauth),
            "reason": "reauth_required",
            "detail": "re-authorization required: revoked",
            "retry_after": None,
        },
        {
            "connection_id": str(later),
            "reason": "retry_later",
            "detail": "token refresh failed (transient); try again later",
            "retry_after": 42,
        },
        {"connection_id": str(later_unsaid), "reason": "retry_later", "detail": "busy"},
        {"connection_id": str(novel), "reason": "something_new", "detail": "?"},
    ]
    seen, transport = recording(
        lambda _: httpx.Response(200, json={"tokens": [grant(str(ok))], "unavailable": unavailable})
    )
    platforms = {
        ok: Platform.TIKTOK,
        gone: Platform.X,
        reauth: Platform.LINKEDIN,
        later: Platform.YOUTUBE,
        later_unsaid: Platform.X,
        novel: Platform.FACEBOOK,
    }
    async with httpx.AsyncClient(transport=transport) as http:
        tokens = await ConnectorClient(http, BASE, SERVICE_TOKEN).access_tokens(
            list(platforms), platforms
        )
    assert len(seen) == 1
    assert tokens[ok] == f"token-{ok}"
    assert isinstance(tokens[gone], ConnectionGone)
    assert str(tokens[gone]) == str(gone)

    refused = tokens[reauth]
    assert isinstance(refused, PlatformError)
    assert (refused.platform, refused.error_class) == (
        Platform.LINKEDIN,
        ErrorClass.REAUTH_REQUIRED,
    )
    assert refused.message == "re-authorization required: revoked"

    wait = tokens[later]
    assert isinstance(wait, PlatformError)
    assert (wait.platform, wait.error_class, wait.retry_after) == (
        Platform.YOUTUBE,
        ErrorClass.TRANSIENT,
        42,
    )
    for unsaid in (later_unsaid, novel):  # no wait given, or a reason unknown here: wait
        error = tokens[unsaid]
        assert isinstance(error, PlatformError)
        assert error.error_class == ErrorClass.TRANSIENT and error.retry_after == 60


async def test_a_batch_above_the_connectors_limit_takes_several_calls() -> None:
    ids = [uuid.uuid4() for _ in range(MAX_TOKEN_BATCH + 1)]
    seen, transport = recording(
        lambda request: httpx.Response(
            200, json={"tokens": [grant(i) for i in asked_ids(request)], "unavailable": []}
        )
    )
    async with httpx.AsyncClient(transport=transport) as http:
        tokens = await ConnectorClient(http, BASE, SERVICE_TOKEN).access_tokens(
            ids, dict.fromkeys(ids, Platform.X)
        )
    assert [len(asked_ids(r)) for r in seen] == [MAX_TOKEN_BATCH, 1]
    assert set(tokens) == set(ids)


async def test_an_empty_batch_makes_no_call() -> None:
    seen, transport = recording(lambda _: httpx.Response(500))
    async with httpx.AsyncClient(transport=transport) as http:
        assert await ConnectorClient(http, BASE, SERVICE_TOKEN).access_tokens([], {}) == {}
    assert seen == []


@pytest.mark.parametrize(
    ("status", "raised"),
    [
        (401, httpx.HTTPStatusError),
        (403, httpx.HTTPStatusError),
        (422, httpx.HTTPStatusError),
        (500, ConnectorUnavailable),
        (503, ConnectorUnavailable),
    ],
)
async def test_a_failed_call_raises_for_the_whole_batch(
    status: int, raised: type[Exception]
) -> None:
    """A 5xx is the connector being unavailable (redeliver later), not a bad request."""
    ids = [uuid.uuid4(), uuid.uuid4()]
    _, transport = recording(lambda _: httpx.Response(status, json={"detail": "no"}))
    async with httpx.AsyncClient(transport=transport) as http:
        client = ConnectorClient(http, BASE, SERVICE_TOKEN)
        with pytest.raises(raised):
            await client.access_tokens(ids, dict.fromkeys(ids, Platform.X))
    assert issubclass(ConnectorUnavailable, ConnectionError)  # the consumer's "infrastructure"


async def test_transport_errors_propagate() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    ids = [uuid.uuid4()]
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(httpx.ConnectError):
            await ConnectorClient(http, BASE, SERVICE_TOKEN).access_tokens(
                ids, {ids[0]: Platform.X}
            )


async def test_an_id_left_out_of_the_answer_is_a_broken_contract() -> None:
    ids = [uuid.uuid4(), uuid.uuid4()]
    _, transport = recording(
        lambda _: httpx.Response(200, json={"tokens": [grant(str(ids[0]))], "unavailable": []})
    )
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(ValueError, match=str(ids[1])):
            await ConnectorClient(http, BASE, SERVICE_TOKEN).access_tokens(
                ids, dict.fromkeys(ids, Platform.X)
            )


async def test_every_id_needs_its_platform_before_any_call() -> None:
    seen, transport = recording(lambda _: httpx.Response(500))
    known, unknown = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(ValueError, match=str(unknown)):
            await ConnectorClient(http, BASE, SERVICE_TOKEN).access_tokens(
                [known, unknown], {known: Platform.X}
            )
    assert seen == []


def test_the_connector_accepts_exactly_the_chunks_the_client_sends() -> None:
    """One limit, both sides: a full chunk passes the connector's schema, one more id does not."""
    ids = [uuid.uuid4() for _ in range(MAX_TOKEN_BATCH + 1)]
    assert len(AccessTokensRequest(connection_ids=ids[:-1]).connection_ids) == MAX_TOKEN_BATCH
    with pytest.raises(ValidationError):
        AccessTokensRequest(connection_ids=ids)
