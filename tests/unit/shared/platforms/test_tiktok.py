"""TikTokClient against the in-process emulator (OAuth, data, error classes), recorded answers."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from emulator.app import create_app
from emulator.creators import get_creator
from emulator.settings import EmulatorSettings
from emulator.tiktok.data import open_id, total_likes, video_item
from shared.platforms import tiktok
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from tests.support.clock import TODAY
from tests.unit.support import EMULATOR_URL, clear_lsa_env, consent, query_of

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"
REDIRECT_URI = "https://app.example.test/api/portal/social/callback/tiktok"
ACCESS_TTL = 5400  # not the emulator's default: lifetimes must come from the answers
REFRESH_TTL = 9_000_000
VERIFIER = "verifier-" + "x" * 60
SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")
VIDEO_METRICS = ("video.comment_count", "video.like_count", "video.share_count", "video.view_count")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


@dataclass
class Emu:
    app: FastAPI
    http: httpx.AsyncClient
    client: tiktok.TikTokClient

    async def calls(self) -> int:
        return self.client.http.calls


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def emulated(settings: tiktok.Settings | None = None) -> AsyncIterator[Emu]:
    app = create_app(
        EmulatorSettings(
            today=TODAY,
            tiktok_access_token_ttl_s=ACCESS_TTL,
            tiktok_refresh_token_ttl_s=REFRESH_TTL,
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_URL) as http:
        client = tiktok.build(
            http, emulator_url=EMULATOR_URL, settings=settings or tiktok.Settings(max_retries=3)
        )
        yield Emu(app, http, client)


@pytest.fixture
async def emu() -> AsyncIterator[Emu]:
    async for e in emulated():
        yield e


async def authorize(emu: Emu, account: str = "steady_creator") -> str:
    url = emu.client.authorization_url(
        state="st-1", redirect_uri=REDIRECT_URI, code_challenge=s256(VERIFIER)
    )
    answer = await consent(emu.http, url, account=account)
    assert answer["state"] == "st-1"
    return answer["code"]


async def connect(emu: Emu, account: str = "steady_creator") -> TokenGrant:
    code = await authorize(emu, account)
    return await emu.client.exchange_code(
        code=code, redirect_uri=REDIRECT_URI, code_verifier=VERIFIER
    )


async def add_fault(emu: Emu, **spec: object) -> None:
    response = await emu.http.post("/_emulator/faults", json={"platform": "tiktok", **spec})
    assert response.status_code == 200, response.text


def number(value: object) -> int:
    assert isinstance(value, int)
    return value


async def accounts(emu: Emu) -> dict[str, dict[str, Any]]:
    body = (await emu.http.get("/_emulator/accounts")).json()
    return {a["key"]: a for a in body["accounts"]}


# --- OAuth ---------------------------------------------------------------------------------------


def test_authorization_url_uses_client_key_comma_scopes_and_pkce() -> None:
    client = tiktok.build(None, emulator_url="http://emu:9000/")  # type: ignore[arg-type]
    url = client.authorization_url(state="abc", redirect_uri=REDIRECT_URI, code_challenge="ch")
    assert url.startswith("http://emu:9000/www.tiktok.com/v2/auth/authorize/?")
    query = query_of(url)
    assert query == {
        "client_key": "lsa-dev-tiktok-app",
        "response_type": "code",
        "scope": ",".join(SCOPES),
        "redirect_uri": REDIRECT_URI,
        "state": "abc",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
    }
    assert "client_id" not in url
    assert client.token_endpoint == "http://emu:9000/open.tiktokapis.com/v2/oauth/token/"
    assert client.supports_pkce is True
    real = tiktok.build(None, emulator_url=None)  # type: ignore[arg-type]
    assert urlsplit(real.authorization_url(state="s", redirect_uri=REDIRECT_URI)).netloc == (
        "www.tiktok.com"
    )


async def test_connect_with_pkce(emu: Emu) -> None:
    grant = await connect(emu)
    creator = get_creator("steady_creator")
    assert creator is not None
    assert grant.access_token.startswith("act.")
    assert grant.refresh_token is not None and grant.refresh_token.startswith("rft.")
    assert grant.expires_in == ACCESS_TTL
    assert grant.refresh_expires_in == REFRESH_TTL
    assert grant.scopes == SCOPES
    assert grant.platform_user_id == open_id(creator)


async def test_wrong_code_verifier_is_refused(emu: Emu) -> None:
    code = await authorize(emu)
    with pytest.raises(PlatformError) as raised:
        await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier="y" * 60)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert raised.value.code == "invalid_grant"


async def test_code_is_single_use(emu: Emu) -> None:
    code = await authorize(emu)
    await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=VERIFIER)
    with pytest.raises(PlatformError) as raised:
        await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=VERIFIER)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_refresh_rotates_and_the_old_refresh_token_dies(emu: Emu) -> None:
    grant = await connect(emu)
    assert grant.refresh_token is not None
    refreshed = await emu.client.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    assert refreshed.access_token != grant.access_token
    assert refreshed.refresh_token is not None
    assert refreshed.refresh_token != grant.refresh_token
    assert refreshed.expires_in == ACCESS_TTL
    assert refreshed.refresh_expires_in is not None
    assert refreshed.refresh_expires_in <= REFRESH_TTL
    with pytest.raises(PlatformError) as raised:
        await emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert raised.value.code == "invalid_grant"
    again = await emu.client.refresh(
        access_token=refreshed.access_token, refresh_token=refreshed.refresh_token
    )
    assert (await emu.client.identity(again.access_token)).username == "steady_creator"


async def test_refresh_without_a_refresh_token_requires_reauth(emu: Emu) -> None:
    with pytest.raises(PlatformError) as raised:
        await emu.client.refresh(access_token="act.x", refresh_token=None)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED


async def test_revoke_disconnects(emu: Emu) -> None:
    grant = await connect(emu)
    assert await emu.client.revoke(access_token=grant.access_token) is True
    with pytest.raises(PlatformError) as raised:
        await emu.client.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED
    with pytest.raises(PlatformError) as raised:
        await emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED


# --- data ----------------------------------------------------------------------------------------


async def test_identity(emu: Emu) -> None:
    grant = await connect(emu)
    identity = await emu.client.identity(grant.access_token)
    assert identity.platform_user_id == grant.platform_user_id
    assert identity.username == "steady_creator"
    assert identity.display_name == "Stella Steady"


async def test_identity_without_the_profile_scope_uses_the_display_name() -> None:
    async for emu in emulated(tiktok.Settings(scopes="user.info.basic,video.list")):
        grant = await connect(emu)
        identity = await emu.client.identity(grant.access_token)
        assert identity.username == "Stella Steady"
        assert identity.platform_user_id == grant.platform_user_id


async def test_full_snapshot_equals_the_emulators_numbers(emu: Emu) -> None:
    grant = await connect(emu)
    account_id = str(grant.platform_user_id)
    calls = await emu.calls()
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=account_id)
    settings = emu.client.settings
    assert await emu.calls() - calls == 1 + settings.max_pages  # user/info + one call a page

    creator = get_creator("steady_creator")
    assert creator is not None
    expected = (await accounts(emu))["steady_creator"]
    assert snapshot.followers == expected["followers"]
    assert snapshot.posts == expected["posts"]
    assert snapshot.following == creator.follows
    assert snapshot.platform_metrics == {
        "likes_count": float(total_likes(creator, TODAY)),
        "video_count": float(expected["posts"]),
    }
    assert snapshot.missing_metrics == []
    assert snapshot.reach is None and snapshot.views is None  # TikTok gives neither
    assert snapshot.engagement_formula == tiktok.ENGAGEMENT_FORMULA

    assert len(snapshot.recent_items) == settings.page_size * settings.max_pages == 40
    newest = expected["posts"] - 1
    for offset, item in enumerate(snapshot.recent_items):
        video = video_item(creator, newest - offset, TODAY)
        assert item.item_id == video["id"]
        assert item.kind == "video"
        assert item.views == video["view_count"]
        assert item.likes == video["like_count"]
        assert item.comments == video["comment_count"]
        assert item.shares == video["share_count"]
        assert item.saves is None and item.reach is None
        assert item.url == video["share_url"]
        assert item.published_at == datetime.fromtimestamp(number(video["create_time"]), UTC)
        interactions = sum(number(video[k]) for k in ("like_count", "comment_count", "share_count"))
        assert item.engagement_rate == pytest.approx(
            100 * interactions / expected["followers"], abs=1e-4
        )
    rates = [i.engagement_rate for i in snapshot.recent_items if i.engagement_rate is not None]
    assert snapshot.engagement_rate == pytest.approx(sum(rates) / len(rates), abs=1e-4)


async def test_history_is_not_available(emu: Emu) -> None:
    grant = await connect(emu)
    calls = await emu.calls()
    history = await emu.client.fetch_history(grant.access_token, account_id="x", days=30)
    assert history == []
    assert await emu.calls() == calls


async def test_private_account_keeps_its_profile_figures(emu: Emu) -> None:
    grant = await connect(emu, "personal_pat")
    calls = await emu.calls()
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="pat")
    expected = (await accounts(emu))["personal_pat"]
    assert snapshot.followers == expected["followers"]
    assert snapshot.posts == expected["posts"]
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None
    assert snapshot.missing_metrics == list(VIDEO_METRICS)
    assert await emu.calls() - calls == 2  # the refusal (scope_not_authorized) is not retried


async def test_new_account_with_no_followers(emu: Emu) -> None:
    grant = await connect(emu, "new_nina")
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="nina")
    assert snapshot.followers == 0
    assert snapshot.posts == 0
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None
    assert snapshot.missing_metrics == []


async def test_missing_scopes_are_reported_not_retried() -> None:
    async for emu in emulated(tiktok.Settings(scopes="user.info.basic")):
        grant = await connect(emu)
        calls = await emu.calls()
        snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
        assert snapshot.followers is None and snapshot.posts is None
        assert snapshot.missing_metrics == sorted(
            [*(f"user.{m}" for m in tiktok.USER_METRICS), *VIDEO_METRICS]
        )
        # user/info: all four together, then one by one; video/list once. No retries.
        assert await emu.calls() - calls == 1 + 4 + 1


# --- error classes -------------------------------------------------------------------------------


async def test_expired_token_then_refresh_and_retry(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="expire_tokens", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED
    assert raised.value.code == "access_token_invalid"
    assert raised.value.status == 401
    refreshed = await emu.client.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    snapshot = await emu.client.fetch_snapshot(refreshed.access_token, account_id="s")
    assert snapshot.followers == (await accounts(emu))["steady_creator"]["followers"]


async def test_revoked_access_requires_reauthorization(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="revoke", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED  # TikTok cannot tell them apart
    with pytest.raises(PlatformError) as raised:
        await emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED


@pytest.mark.parametrize(("retry_after", "expected"), [(42, 42.0), (None, 60.0)])
async def test_rate_limit_wait_and_no_retry(
    emu: Emu, retry_after: int | None, expected: float
) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="rate_limit", count=5, retry_after=retry_after)
    calls = await emu.calls()
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.code == "rate_limit_exceeded"
    assert raised.value.retry_after == expected
    assert await emu.calls() - calls == 1


async def test_server_error_burst_is_retried_transparently(emu: Emu) -> None:
    grant = await connect(emu)
    calls = await emu.calls()
    clean = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    clean_calls = await emu.calls() - calls
    await add_fault(emu, kind="server_error", count=2)
    calls = await emu.calls()
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    assert await emu.calls() - calls == clean_calls + 2
    assert snapshot == clean
    assert (await emu.http.get("/_emulator/faults")).json() == {"faults": []}


async def test_longer_outage_surfaces_as_transient() -> None:
    async for emu in emulated(tiktok.Settings(max_retries=1)):
        grant = await connect(emu)
        await add_fault(emu, kind="server_error", count=5)
        calls = await emu.calls()
        with pytest.raises(PlatformError) as raised:
            await emu.client.identity(grant.access_token)
        assert raised.value.error_class is ErrorClass.TRANSIENT
        assert raised.value.code == "internal_error"
        assert await emu.calls() - calls == 2


async def test_retired_video_metric_is_reported_and_not_asked_again(emu: Emu) -> None:
    grant = await connect(emu)
    clean = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    await add_fault(emu, kind="retire_metric", metric="share_count")
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    assert snapshot.missing_metrics == ["video.share_count"]
    assert snapshot.followers == clean.followers
    assert len(snapshot.recent_items) == len(clean.recent_items)
    for item, before in zip(snapshot.recent_items, clean.recent_items, strict=True):
        assert item.item_id == before.item_id
        assert item.shares is None
        assert (item.views, item.likes, item.comments) == (
            before.views,
            before.likes,
            before.comments,
        )
    calls = await emu.calls()
    again = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    assert await emu.calls() - calls == 1 + emu.client.settings.max_pages  # no probing any more
    assert again.missing_metrics == ["video.share_count"]
    assert again.recent_items == snapshot.recent_items


async def test_retired_user_metric_leaves_the_others(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="retire_metric", metric="likes_count")
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="s")
    expected = (await accounts(emu))["steady_creator"]
    assert snapshot.missing_metrics == ["user.likes_count"]
    assert snapshot.followers == expected["followers"]
    assert snapshot.platform_metrics == {"video_count": float(expected["posts"])}
    assert snapshot.recent_items


# --- recorded answers ----------------------------------------------------------------------------


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize(
    ("name", "expires_in", "refresh_expires_in", "scopes"),
    [
        ("token.json", 7200, 15552000, SCOPES),
        ("token_old_lifetimes.json", 86400, 31536000, ("user.info.basic", "video.list")),
        ("token_wrapped.json", 86400, 31536000, ("user.info.basic", "video.list")),
    ],
)
def test_token_answers(
    name: str, expires_in: int, refresh_expires_in: int, scopes: tuple[str, ...]
) -> None:
    grant = tiktok.parse_token_answer(fixture(name))
    assert grant.access_token == "act.example12345Example12345Example"
    assert grant.refresh_token == "rft.example12345Example12345Example"
    assert grant.expires_in == expires_in
    assert grant.refresh_expires_in == refresh_expires_in
    assert grant.scopes == scopes
    assert grant.platform_user_id


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("oauth_invalid_grant.json", ErrorClass.REAUTH_REQUIRED),
        ("oauth_invalid_client.json", ErrorClass.PERMISSION_OR_INPUT),
    ],
)
def test_oauth_errors_in_any_status(name: str, kind: ErrorClass, status: int) -> None:
    body = fixture(name)
    if status == 200:
        with pytest.raises(PlatformError) as raised:
            tiktok.parse_token_answer(body)
        error = raised.value
    else:
        error = tiktok.classify(httpx.Response(status, json=body))
    assert error.error_class is kind
    assert error.code == body["error"]
    assert error.message == body["error_description"]


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("error_access_token_invalid.json", 401, ErrorClass.TOKEN_EXPIRED),
        ("error_scope_not_authorized.json", 401, ErrorClass.PERMISSION_OR_INPUT),
        ("error_scope_not_authorized.json", 403, ErrorClass.PERMISSION_OR_INPUT),
        ("error_scope_permission_missed.json", 400, ErrorClass.PERMISSION_OR_INPUT),
        ("error_invalid_params.json", 400, ErrorClass.PERMISSION_OR_INPUT),
        ("error_rate_limit_exceeded.json", 429, ErrorClass.RATE_LIMITED),
        ("error_internal_error.json", 500, ErrorClass.TRANSIENT),
    ],
)
def test_api_errors(name: str, status: int, kind: ErrorClass) -> None:
    body = fixture(name)
    error = tiktok.classify(httpx.Response(status, json=body))
    assert error.error_class is kind
    assert error.code == body["error"]["code"]
    assert error.status == status
    assert error.retry_after == (60.0 if kind is ErrorClass.RATE_LIMITED else None)


def test_rate_limit_honours_retry_after() -> None:
    response = httpx.Response(
        429, json=fixture("error_rate_limit_exceeded.json"), headers={"Retry-After": "17"}
    )
    assert tiktok.classify(response).retry_after == 17.0


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, ErrorClass.RATE_LIMITED),
        (502, ErrorClass.TRANSIENT),
        (401, ErrorClass.TOKEN_EXPIRED),
        (404, ErrorClass.PERMISSION_OR_INPUT),
    ],
)
def test_bodyless_errors_fall_back_on_the_status(status: int, kind: ErrorClass) -> None:
    assert tiktok.classify(httpx.Response(status, text="<html>oops</html>")).error_class is kind


def recorded(routes: dict[str, list[str]]) -> httpx.MockTransport:
    """Answers recorded per path, in order; the requests are kept for assertions."""
    queues = {path: list(names) for path, names in routes.items()}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = queues[request.url.path].pop(0)
        status = 401 if "access_token_invalid" in name else 200
        return httpx.Response(status, json=fixture(name))

    transport = httpx.MockTransport(handler)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


async def test_recorded_snapshot_parses_into_the_right_values() -> None:
    transport = recorded(
        {
            "/v2/user/info/": ["user_info.json"],
            "/v2/video/list/": ["video_list_page1.json", "video_list_page2.json"],
        }
    )
    async with httpx.AsyncClient(transport=transport) as http:
        client = tiktok.build(http, emulator_url=None, settings=tiktok.Settings(max_pages=5))
        snapshot = await client.fetch_snapshot("act.x", account_id="a")
    assert (snapshot.followers, snapshot.following, snapshot.posts) == (1280, 96, 37)
    assert snapshot.platform_metrics == {"likes_count": 25412.0, "video_count": 37.0}
    assert [i.item_id for i in snapshot.recent_items] == [
        "7080217258529732869",
        "7080213458555737986",
        "7077642457847991554",
    ]
    first, untitled, _ = snapshot.recent_items
    assert (first.views, first.likes, first.comments, first.shares) == (15200, 640, 32, 8)
    assert first.engagement_rate == pytest.approx(100 * (640 + 32 + 8) / 1280, abs=1e-4)
    assert first.published_at == datetime.fromtimestamp(1763553600, UTC)
    assert first.caption == "Day 12 of posting until it works"
    assert untitled.caption is None
    seen: list[httpx.Request] = transport.seen  # type: ignore[attr-defined]
    assert seen[0].url.host == "open.tiktokapis.com"
    assert seen[0].headers["authorization"] == "Bearer act.x"
    assert seen[0].url.params["fields"] == "open_id," + ",".join(tiktok.USER_METRICS)
    pages = [json.loads(r.content) for r in seen[1:]]
    assert pages == [{"max_count": 20}, {"max_count": 20, "cursor": 1763380800000}]
    assert seen[1].url.params["fields"].split(",") == [*tiktok.VIDEO_FIELDS, *tiktok.VIDEO_METRICS]


async def test_recorded_error_envelope_raises_its_class() -> None:
    transport = recorded({"/v2/user/info/": ["error_access_token_invalid.json"]})
    async with httpx.AsyncClient(transport=transport) as http:
        client = tiktok.build(http, emulator_url=None)
        with pytest.raises(PlatformError) as raised:
            await client.identity("act.x")
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED


async def test_an_error_envelope_inside_http_200_is_raised() -> None:
    transport = recorded(
        {"/v2/user/info/": ["error_invalid_params.json", "error_invalid_params.json"]}
    )
    async with httpx.AsyncClient(transport=transport) as http:
        client = tiktok.build(http, emulator_url=None)
        with pytest.raises(PlatformError) as raised:
            await client.identity("act.x")
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert raised.value.code == "invalid_params"
    assert len(transport.seen) == 2  # type: ignore[attr-defined]  # with, then without username


async def test_an_internal_error_inside_a_200_envelope_is_retried() -> None:
    """TikTok may answer 200 with ``error.code = internal_error``: transient, so retried."""
    answers = [
        httpx.Response(
            200,
            json={"data": {}, "error": {"code": "internal_error", "message": "x", "log_id": "1"}},
        ),
        httpx.Response(
            200,
            json={
                "data": {"user": {"open_id": "o", "display_name": "d"}},
                "error": {"code": "ok", "message": "", "log_id": "2"},
            },
        ),
    ]
    calls = 0

    def respond(_request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return answers[calls - 1]

    async with httpx.AsyncClient(transport=httpx.MockTransport(respond)) as http:
        client = tiktok.build(http, emulator_url=None, settings=tiktok.Settings(max_retries=2))
        identity = await client.identity("token")
    assert calls == 2
    assert identity.platform_user_id == "o"
