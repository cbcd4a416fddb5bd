"""TikTok emulator: Login Kit dialog, token/refresh/revoke, Display API shapes and every fault."""

import base64
import hashlib
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from emulator import EmulatorSettings
from emulator.creators import followers, get_creator, posts_published
from emulator.tiktok.data import open_id, total_likes, user_profile, video_id, video_item
from emulator.tiktok.tokens import CODE_SUFFIX
from shared import clock
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import emulator, query_of

AUTHORIZE = "/www.tiktok.com/v2/auth/authorize/"
TOKEN = "/open.tiktokapis.com/v2/oauth/token/"
REVOKE = "/open.tiktokapis.com/v2/oauth/revoke/"
API = "/open.tiktokapis.com/v2"
CLIENT_KEY = "lsa-dev-tiktok-app"
CLIENT_SECRET = "lsa-dev-tiktok-secret"
REDIRECT_URI = "https://app.example.test/oauth/tiktok/callback/"
SCOPES = "user.info.basic,user.info.profile,user.info.stats,video.list"
VERIFIER = "v" * 20 + "-._~" + "0123456789abcdefghijklmnop"
USER_FIELDS = "open_id,display_name,username,follower_count,following_count,likes_count,video_count"
VIDEO_FIELDS = "id,create_time,title,share_url,view_count,like_count,comment_count,share_count"


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_key": CLIENT_KEY,
        "response_type": "code",
        "scope": SCOPES,
        "redirect_uri": REDIRECT_URI,
        "state": "st-1",
        "code_challenge": challenge_of(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != ""}


async def decide(
    client: httpx.AsyncClient,
    decision: str = "approve",
    account: str = "steady_creator",
    **params: str,
) -> dict[str, str]:
    form = {**authorize_params(**params), "account": account, "decision": decision}
    response = await client.post(AUTHORIZE, data=form)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI)
    return query_of(location)


async def token_call(client: httpx.AsyncClient, **form: str) -> dict[str, Any]:
    response = await client.post(
        TOKEN, data={"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET, **form}
    )
    assert response.status_code == 200, response.text  # TikTok reports OAuth errors in a 200
    body: dict[str, Any] = response.json()
    return body


async def exchange(
    client: httpx.AsyncClient, code: str, verifier: str | None = VERIFIER, **extra: str
) -> dict[str, Any]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        form["code_verifier"] = verifier
    return await token_call(client, **{**form, **extra})


async def grant(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> dict[str, Any]:
    code = (await decide(client, account=account, scope=scope))["code"]
    body = await exchange(client, code)
    assert "access_token" in body, body
    return body


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> dict[str, Any]:
    return await token_call(client, grant_type="refresh_token", refresh_token=refresh_token)


async def user_info(
    client: httpx.AsyncClient, token: str, fields: str = USER_FIELDS
) -> httpx.Response:
    return await client.get(
        f"{API}/user/info/",
        params={"fields": fields},
        headers={"Authorization": f"Bearer {token}"},
    )


async def video_list(
    client: httpx.AsyncClient, token: str, body: dict[str, Any], fields: str = VIDEO_FIELDS
) -> httpx.Response:
    return await client.post(
        f"{API}/video/list/",
        params={"fields": fields},
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


def api_error(response: httpx.Response, status: int, code: str) -> str:
    """Assert TikTok's error envelope; return the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] == {}
    assert body["error"]["code"] == code
    assert len(body["error"]["log_id"]) == 34
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    return message


def api_data(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"]["code"] == "ok"
    assert body["error"]["message"] == ""
    data: dict[str, Any] = body["data"]
    return data


async def add_fault(client: httpx.AsyncClient, **spec: object) -> None:
    response = await client.post("/_emulator/faults", json={"platform": "tiktok", **spec})
    assert response.status_code == 200, response.text


def move_clock(app: FastAPI, seconds: float) -> Callable[[], float]:
    base = clock.timestamp()
    moved: Callable[[], float] = lambda: base + seconds  # noqa: E731
    app.state.core.clock = moved
    return moved


# --- consent dialog --------------------------------------------------------------------------


async def test_consent_page_lists_accounts_scopes_and_hidden_fields(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for account in ("steady_creator", "viral_vera", "new_nina", "personal_pat"):
        assert f'name="account" value="{account}"' in html
    assert "Private account" in html  # personal_pat
    assert "Read your public videos on TikTok" in html
    assert 'method="post"' in html
    assert f'action="{AUTHORIZE}"' in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert f'name="client_key" value="{CLIENT_KEY}"' in html
    assert f'name="code_challenge" value="{challenge_of(VERIFIER)}"' in html
    assert 'name="code_challenge_method" value="S256"' in html
    assert f'name="scope" value="{SCOPES}"' in html


async def test_consent_page_escapes_a_malicious_state(client: httpx.AsyncClient) -> None:
    evil = '"><script>alert(1)</script>'
    response = await client.get(AUTHORIZE, params=authorize_params(state=evil))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"client_key": "someone-else"}, "client_key"),
        ({"redirect_uri": "not-a-uri"}, "redirect_uri"),
    ],
)
async def test_dialog_refuses_unknown_apps_on_an_error_page(
    client: httpx.AsyncClient, override: dict[str, str], fragment: str
) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params(**override))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert fragment in response.text


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"scope": "user.info.basic,user_profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
    ],
)
async def test_dialog_reports_bad_requests_to_the_app(
    client: httpx.AsyncClient, override: dict[str, str], error: str
) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params(**override))
    assert response.status_code == 302
    answer = query_of(response.headers["location"])
    assert answer["error"] == error
    assert answer["error_description"]
    assert answer["state"] == "st-1"
    assert "code" not in answer


async def test_deny_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    answer = await decide(client, "deny")
    assert answer == {
        "error": "access_denied",
        "error_description": "The user denied the authorization request.",
        "state": "st-1",
    }


async def test_approve_redirects_with_code_scopes_and_state(client: httpx.AsyncClient) -> None:
    answer = await decide(client)
    assert set(answer) == {"code", "scopes", "state"}
    assert answer["state"] == "st-1"
    assert answer["scopes"] == SCOPES
    assert answer["code"].endswith(CODE_SUFFIX)  # survives URL encoding


# --- token endpoint --------------------------------------------------------------------------


async def test_code_exchange_answer_shape(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    assert set(body) == {
        "access_token",
        "expires_in",
        "open_id",
        "refresh_expires_in",
        "refresh_token",
        "scope",
        "token_type",
    }
    assert body["access_token"].startswith("act.")
    assert body["refresh_token"].startswith("rft.")
    assert body["expires_in"] == 7200
    assert body["refresh_expires_in"] == 15552000
    assert body["scope"] == SCOPES
    assert body["token_type"] == "Bearer"
    creator = get_creator("steady_creator")
    assert creator is not None
    assert body["open_id"] == open_id(creator)


async def test_lifetimes_come_from_settings() -> None:
    settings = EmulatorSettings(
        today=TODAY, tiktok_access_token_ttl_s=86400, tiktok_refresh_token_ttl_s=31536000
    )
    async with emulator(settings) as (_, client):
        body = await grant(client)
        assert body["expires_in"] == 86400
        assert body["refresh_expires_in"] == 31536000


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = (await decide(client))["code"]
    assert "access_token" in await exchange(client, code)
    again = await exchange(client, code)
    assert again["error"] == "invalid_grant"
    assert again["error_description"]
    assert len(again["log_id"]) == 34


async def test_code_expires_after_ten_minutes(app: FastAPI, client: httpx.AsyncClient) -> None:
    code = (await decide(client))["code"]
    move_clock(app, 601)
    assert (await exchange(client, code))["error"] == "invalid_grant"


async def test_code_bound_to_its_redirect_uri(client: httpx.AsyncClient) -> None:
    code = (await decide(client))["code"]
    answer = await exchange(client, code, redirect_uri=REDIRECT_URI + "other/")
    assert answer["error"] == "invalid_grant"
    assert "access_token" in await exchange(client, code)  # the failed try did not use it


@pytest.mark.parametrize("verifier", [None, "w" * 50], ids=["missing", "wrong"])
async def test_pkce_verifier_is_checked(client: httpx.AsyncClient, verifier: str | None) -> None:
    code = (await decide(client))["code"]
    answer = await exchange(client, code, verifier=verifier)
    assert answer["error"] == "invalid_grant"
    assert "verifier" in answer["error_description"]


async def test_pkce_accepts_the_hex_challenge_of_tiktoks_desktop_guide(
    client: httpx.AsyncClient,
) -> None:
    hex_challenge = hashlib.sha256(VERIFIER.encode()).hexdigest()
    code = (await decide(client, code_challenge=hex_challenge))["code"]
    assert "access_token" in await exchange(client, code)


async def test_without_a_challenge_no_verifier_is_needed(client: httpx.AsyncClient) -> None:
    code = (await decide(client, code_challenge="", code_challenge_method=""))["code"]
    assert "access_token" in await exchange(client, code, verifier=None)


async def test_client_credentials_are_checked(client: httpx.AsyncClient) -> None:
    code = (await decide(client))["code"]
    answer = await exchange(client, code, client_secret="nope")
    assert answer["error"] == "invalid_client"
    answer = await token_call(client, grant_type="password")
    assert answer["error"] == "unsupported_grant_type"


async def test_refresh_rotates_the_refresh_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    first = await grant(client)
    move_clock(app, 3600)
    second = await refresh(client, first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["open_id"] == first["open_id"]
    # Rotation keeps the grant's final expiry: an hour later, an hour less.
    assert 15552000 - 3602 <= second["refresh_expires_in"] <= 15552000 - 3599
    old = await refresh(client, first["refresh_token"])
    assert old["error"] == "invalid_grant"
    third = await refresh(client, second["refresh_token"])
    assert "access_token" in third
    assert api_data(await user_info(client, third["access_token"]))["user"]["username"] == (
        "steady_creator"
    )


async def test_expired_refresh_token_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    first = await grant(client)
    move_clock(app, 15552000 + 1)
    assert (await refresh(client, first["refresh_token"]))["error"] == "invalid_grant"
    assert (await refresh(client, "rft.garbage"))["error"] == "invalid_grant"


async def test_access_token_expires(app: FastAPI, client: httpx.AsyncClient) -> None:
    body = await grant(client)
    move_clock(app, 7201)
    api_error(await user_info(client, body["access_token"]), 401, "access_token_invalid")


async def test_revoke_disconnects_the_app(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    response = await client.post(
        REVOKE,
        data={
            "client_key": CLIENT_KEY,
            "client_secret": CLIENT_SECRET,
            "token": body["access_token"],
        },
    )
    assert response.status_code == 200
    assert response.json() == {}
    api_error(await user_info(client, body["access_token"]), 401, "access_token_invalid")
    assert (await refresh(client, body["refresh_token"]))["error"] == "invalid_grant"
    fresh = await grant(client)  # reconnecting works again
    assert api_data(await user_info(client, fresh["access_token"]))["user"]["follower_count"] > 0


async def test_revoke_checks_the_client(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    response = await client.post(
        REVOKE, data={"client_key": CLIENT_KEY, "client_secret": "x", "token": body["access_token"]}
    )
    assert response.json()["error"] == "invalid_client"
    api_data(await user_info(client, body["access_token"]))


# --- Display API -----------------------------------------------------------------------------


async def test_user_info_returns_exactly_the_requested_fields(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    data = api_data(await user_info(client, body["access_token"]))
    creator = get_creator("steady_creator")
    assert creator is not None
    expected = user_profile(creator, TODAY)
    assert set(data["user"]) == set(USER_FIELDS.split(","))
    assert data["user"] == {k: expected[k] for k in USER_FIELDS.split(",")}
    assert data["user"]["follower_count"] == followers(creator, TODAY)
    assert data["user"]["video_count"] == posts_published(creator, TODAY)
    assert data["user"]["likes_count"] == total_likes(creator, TODAY)
    assert data["user"]["following_count"] == creator.follows


async def test_user_info_refuses_unknown_fields(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    message = api_error(
        await user_info(client, body["access_token"], "open_id,followers"), 400, "invalid_params"
    )
    assert "followers" in message
    api_error(await user_info(client, body["access_token"], ""), 400, "invalid_params")


async def test_fields_need_their_scope(client: httpx.AsyncClient) -> None:
    body = await grant(client, scope="user.info.basic")
    token = body["access_token"]
    message = api_error(
        await user_info(client, token, "open_id,username,follower_count"),
        400,
        "scope_permission_missed",
    )
    assert "username" in message and "follower_count" in message
    assert (
        api_data(await user_info(client, token, "open_id,display_name"))["user"]["display_name"]
        == "Stella Steady"
    )
    api_error(await video_list(client, token, {}), 401, "scope_not_authorized")


async def test_missing_or_forged_token(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/user/info/", params={"fields": "open_id"})
    api_error(response, 401, "access_token_invalid")
    api_error(await user_info(client, "act.forged"), 401, "access_token_invalid")


async def test_video_list_pages_newest_first(client: httpx.AsyncClient) -> None:
    token = (await grant(client))["access_token"]
    creator = get_creator("steady_creator")
    assert creator is not None
    total = posts_published(creator, TODAY)
    first = api_data(await video_list(client, token, {"max_count": 20}))
    assert len(first["videos"]) == 20
    assert first["has_more"] is True
    assert first["videos"][0] == {
        k: video_item(creator, total - 1, TODAY)[k] for k in VIDEO_FIELDS.split(",")
    }
    times = [v["create_time"] for v in first["videos"]]
    assert times == sorted(times, reverse=True)
    assert first["cursor"] == times[-1] * 1000
    second = api_data(await video_list(client, token, {"max_count": 20, "cursor": first["cursor"]}))
    assert second["videos"][0]["id"] == video_id(creator, total - 21)
    assert second["videos"][0]["create_time"] < times[-1]
    default = api_data(await video_list(client, token, {}))
    assert len(default["videos"]) == 10
    # Walk to the end: every published video exactly once.
    seen: list[str] = []
    body: dict[str, Any] = {"max_count": 20}
    while True:
        page = api_data(await video_list(client, token, body))
        seen.extend(v["id"] for v in page["videos"])
        if not page["has_more"]:
            break
        body = {"max_count": 20, "cursor": page["cursor"]}
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize("body", [{"max_count": 21}, {"max_count": 0}, {"cursor": "abc"}])
async def test_video_list_refuses_bad_bodies(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    token = (await grant(client))["access_token"]
    api_error(await video_list(client, token, body), 400, "invalid_params")


async def test_video_query_refreshes_up_to_twenty_ids(client: httpx.AsyncClient) -> None:
    token = (await grant(client))["access_token"]
    vera = (await grant(client, "viral_vera"))["access_token"]
    creator = get_creator("steady_creator")
    other = get_creator("viral_vera")
    assert creator is not None and other is not None
    ids = [video_id(creator, 5), video_id(other, 5), video_id(creator, 3), "123"]

    async def query(video_ids: list[str], who: str = token) -> httpx.Response:
        return await client.post(
            f"{API}/video/query/",
            params={"fields": "id,view_count,like_count"},
            json={"filters": {"video_ids": video_ids}},
            headers={"Authorization": f"Bearer {who}"},
        )

    videos = api_data(await query(ids))["videos"]
    assert videos == [
        {k: video_item(creator, i, TODAY)[k] for k in ("id", "view_count", "like_count")}
        for i in (5, 3)
    ]
    assert api_data(await query(ids, vera))["videos"][0]["id"] == video_id(other, 5)
    api_error(await query([video_id(creator, i) for i in range(21)]), 400, "invalid_params")
    api_error(await query([]), 400, "invalid_params")


async def test_private_account_profile_works_but_videos_are_refused(
    client: httpx.AsyncClient,
) -> None:
    token = (await grant(client, "personal_pat"))["access_token"]
    user = api_data(await user_info(client, token))["user"]
    assert user["username"] == "personal_pat"
    assert user["follower_count"] > 0
    message = api_error(await video_list(client, token, {}), 401, "scope_not_authorized")
    assert "private" in message


async def test_new_account_has_no_followers_and_no_videos(client: httpx.AsyncClient) -> None:
    token = (await grant(client, "new_nina"))["access_token"]
    user = api_data(await user_info(client, token))["user"]
    assert (user["follower_count"], user["video_count"], user["likes_count"]) == (0, 0, 0)
    page = api_data(await video_list(client, token, {"max_count": 20}))
    assert page["videos"] == []
    assert page["has_more"] is False


async def test_numbers_are_deterministic_and_follow_the_curves() -> None:
    async def numbers(settings: EmulatorSettings) -> tuple[dict[str, Any], list[Any]]:
        async with emulator(settings) as (_, client):
            token = (await grant(client))["access_token"]
            user = api_data(await user_info(client, token))["user"]
            videos = api_data(await video_list(client, token, {"max_count": 20}))["videos"]
            return user, videos

    today_a = await numbers(EmulatorSettings(today=TODAY))
    today_b = await numbers(EmulatorSettings(today=TODAY))
    assert today_a == today_b
    tomorrow = TODAY + timedelta(days=1)
    user, videos = await numbers(EmulatorSettings(today=tomorrow))
    creator = get_creator("steady_creator")
    assert creator is not None
    assert user["follower_count"] == followers(creator, tomorrow)
    assert user["follower_count"] > today_a[0]["follower_count"]  # +0.4 %/day
    assert user["likes_count"] > today_a[0]["likes_count"]
    by_id = {v["id"]: v for v in today_a[1]}
    grown = [
        v for v in videos if v["id"] in by_id and v["view_count"] > by_id[v["id"]]["view_count"]
    ]
    assert grown  # yesterday's young videos kept gaining views


# --- faults ----------------------------------------------------------------------------------


async def test_rate_limit_fault(client: httpx.AsyncClient) -> None:
    token = (await grant(client))["access_token"]
    await add_fault(client, kind="rate_limit", count=2, retry_after=30)
    for _ in range(2):
        response = await user_info(client, token)
        api_error(response, 429, "rate_limit_exceeded")
        assert response.headers["Retry-After"] == "30"
    api_data(await user_info(client, token))
    await add_fault(client, kind="rate_limit")
    response = await video_list(client, token, {})
    api_error(response, 429, "rate_limit_exceeded")
    assert "Retry-After" not in response.headers  # TikTok documents a window, not a header
    assert (await client.get("/_emulator/faults")).json() == {"faults": []}


async def test_server_error_burst(client: httpx.AsyncClient) -> None:
    token = (await grant(client))["access_token"]
    await add_fault(client, kind="server_error", count=2)
    api_error(await user_info(client, token), 500, "internal_error")
    api_error(await video_list(client, token, {}), 500, "internal_error")
    api_data(await user_info(client, token))


async def test_faults_for_one_account_spare_the_others(client: httpx.AsyncClient) -> None:
    steady = (await grant(client))["access_token"]
    vera = (await grant(client, "viral_vera"))["access_token"]
    await add_fault(client, kind="rate_limit", account="viral_vera")
    await add_fault(client, kind="expire_tokens", account="viral_vera")
    api_data(await user_info(client, steady))
    api_error(await user_info(client, vera), 429, "rate_limit_exceeded")


async def test_expire_tokens_fault(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    await add_fault(client, kind="expire_tokens", account="steady_creator")
    api_error(await user_info(client, body["access_token"]), 401, "access_token_invalid")
    refreshed = await refresh(client, body["refresh_token"])  # the refresh token still works
    api_data(await user_info(client, refreshed["access_token"]))


async def test_revoke_fault(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    await add_fault(client, kind="revoke", account="steady_creator")
    api_error(await user_info(client, body["access_token"]), 401, "access_token_invalid")
    assert (await refresh(client, body["refresh_token"]))["error"] == "invalid_grant"
    fresh = await grant(client)  # a new authorization after the fault works
    api_data(await user_info(client, fresh["access_token"]))


async def test_retire_metric_fault(client: httpx.AsyncClient) -> None:
    token = (await grant(client))["access_token"]
    await add_fault(client, kind="retire_metric", metric="share_count")
    await add_fault(client, kind="retire_metric", metric="likes_count")
    message = api_error(await video_list(client, token, {}), 400, "invalid_params")
    assert "share_count" in message
    api_error(await user_info(client, token), 400, "invalid_params")
    without = "id,view_count,like_count,comment_count"
    assert len(api_data(await video_list(client, token, {}, without))["videos"]) == 10
    api_data(await user_info(client, token, "open_id,follower_count"))


async def test_latency_fault_delays_tiktok_only(client: httpx.AsyncClient) -> None:
    token = (await grant(client))["access_token"]
    await add_fault(client, kind="latency", latency_ms=150, count=1)
    started = time.perf_counter()
    await client.get("/_emulator/health")
    assert time.perf_counter() - started < 0.1
    started = time.perf_counter()
    api_data(await user_info(client, token))
    assert time.perf_counter() - started >= 0.14


async def test_quota_fault_does_not_apply(client: httpx.AsyncClient) -> None:
    """TikTok's Display API has per-minute limits only, no daily quota to exhaust."""
    token = (await grant(client))["access_token"]
    await add_fault(client, kind="quota_exhausted")
    api_data(await user_info(client, token))
