"""X emulator: consent page, PKCE code exchange, rotating refresh tokens, revoke, data, faults."""

import base64
import hashlib
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from emulator import EmulatorSettings
from emulator.creators import CREATORS_BY_KEY, followers, post_dates, post_stats, posts_published
from emulator.x.data import parse_tweet_id, tweet_id, user_id
from shared import clock
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import emulator, query_of

AUTHORIZE = "/x.com/i/oauth2/authorize"
TOKEN = "/api.x.com/2/oauth2/token"
REVOKE = "/api.x.com/2/oauth2/revoke"
API = "/api.x.com/2"
CLIENT_ID = "lsa-dev-x-app"
CLIENT_SECRET = "lsa-dev-x-secret"
BASIC = (CLIENT_ID, CLIENT_SECRET)
REDIRECT_URI = "https://app.example.test/oauth/x/callback"
SCOPES = "tweet.read users.read offline.access"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-emulator-test-verifier"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
)
TIMELINE_FIELDS = "created_at,public_metrics,non_public_metrics"


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPES,
        "state": "st-123",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return params


async def decide(
    client: httpx.AsyncClient,
    decision: str = "approve",
    account: str = "steady_creator",
    path: str = AUTHORIZE,
    **overrides: str,
) -> httpx.Response:
    form = {**authorize_params(**overrides), "account": account, "decision": decision}
    return await client.post(path, data=form)


async def get_code(client: httpx.AsyncClient, account: str = "steady_creator", **kw: str) -> str:
    response = await decide(client, account=account, **kw)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])["code"]


async def exchange(
    client: httpx.AsyncClient, code: str, verifier: str = VERIFIER, **extra: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": CLIENT_ID,
        **extra,
    }
    return await client.post(TOKEN, data=form, auth=BASIC)


async def tokens(client: httpx.AsyncClient, account: str = "steady_creator") -> dict[str, Any]:
    response = await exchange(client, await get_code(client, account))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID}
    return await client.post(TOKEN, data=form, auth=BASIC)


async def me(
    client: httpx.AsyncClient, token: str, fields: str = "public_metrics"
) -> httpx.Response:
    return await client.get(
        f"{API}/users/me",
        params={"user.fields": fields},
        headers={"Authorization": f"Bearer {token}"},
    )


async def timeline(
    client: httpx.AsyncClient, token: str, user: str, **params: str
) -> httpx.Response:
    query = {"tweet.fields": TIMELINE_FIELDS, "max_results": "100", **params}
    return await client.get(
        f"{API}/users/{user}/tweets", params=query, headers={"Authorization": f"Bearer {token}"}
    )


async def add_fault(client: httpx.AsyncClient, **spec: object) -> None:
    response = await client.post("/_emulator/faults", json={"platform": "x", **spec})
    assert response.status_code == 200, response.text


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"title", "detail", "type"} <= set(body)
    return body


STEADY = CREATORS_BY_KEY["steady_creator"]
STEADY_ID = user_id(STEADY)


# --- consent page ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [AUTHORIZE, "/twitter.com/i/oauth2/authorize"])
async def test_consent_page_lists_accounts_scopes_and_pkce(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, params=authorize_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for account in ("steady_creator", "viral_vera", "new_nina", "personal_pat", "tiny_tim"):
        assert f'name="account" value="{account}"' in html
    assert "offline.access" in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert f'method="post" action="{path}"' in html
    assert f'name="code_challenge" value="{CHALLENGE}"' in html
    assert f'name="redirect_uri" value="{REDIRECT_URI}"' in html
    assert "protected posts" in html  # personal_pat


async def test_consent_page_escapes_malicious_state(client: httpx.AsyncClient) -> None:
    evil = '"><script>alert(1)</script>'
    response = await client.get(AUTHORIZE, params=authorize_params(state=evil))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"client_id": "someone-else"}, "client_id"),
        ({"redirect_uri": "/relative"}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "tweet.read users.email"}, "users.email"),
        ({"state": ""}, "state"),
        ({"code_challenge": ""}, "PKCE"),
        ({"code_challenge_method": "S512"}, "code_challenge_method"),
    ],
)
async def test_authorize_refuses_bad_requests(
    client: httpx.AsyncClient, overrides: dict[str, str], fragment: str
) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params(**overrides))
    assert response.status_code == 400
    assert "Something went wrong" in response.text
    assert fragment in response.text


async def test_deny_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    response = await decide(client, "deny", redirect_uri=REDIRECT_URI + "?keep=1")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert query_of(location) == {"keep": "1", "error": "access_denied", "state": "st-123"}


async def test_approve_redirects_with_state_and_code(client: httpx.AsyncClient) -> None:
    response = await decide(client, path="/twitter.com/i/oauth2/authorize")
    query = query_of(response.headers["location"])
    assert response.status_code == 302
    assert query["state"] == "st-123"
    assert query["code"]


async def test_unknown_account_or_decision_is_refused(client: httpx.AsyncClient) -> None:
    assert (await decide(client, account="nobody")).status_code == 400
    assert (await decide(client, decision="maybe")).status_code == 400


# --- tokens ------------------------------------------------------------------------------------


async def test_code_exchange_answer_shape(client: httpx.AsyncClient) -> None:
    body = await tokens(client)
    assert set(body) == {"token_type", "expires_in", "access_token", "scope", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == SCOPES
    assert body["access_token"] != body["refresh_token"]


async def test_lifetime_comes_from_settings() -> None:
    async with emulator(EmulatorSettings(today=TODAY, x_access_token_ttl_s=1234)) as (_, client):
        assert (await tokens(client))["expires_in"] == 1234


async def test_no_refresh_token_without_offline_access(client: httpx.AsyncClient) -> None:
    code = await get_code(client, scope="tweet.read users.read")
    body = (await exchange(client, code)).json()
    assert "refresh_token" not in body
    assert body["scope"] == "tweet.read users.read"


async def test_wrong_code_verifier_is_refused(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    response = await exchange(client, code, verifier="x" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "code verifier" in response.json()["error_description"]


async def test_plain_challenge_method(client: httpx.AsyncClient) -> None:
    code = await get_code(client, code_challenge=VERIFIER, code_challenge_method="plain")
    assert (await exchange(client, code)).status_code == 200


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    assert (await exchange(client, code)).status_code == 200
    again = await exchange(client, code)
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_request",
        "error_description": "Value passed for the authorization code was invalid.",
    }


async def test_code_expires_after_30_seconds(app: FastAPI, client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    app.state.core.clock = lambda: clock.timestamp() + 31
    assert (await exchange(client, code)).status_code == 400


async def test_code_needs_the_same_redirect_uri(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    response = await exchange(client, code, redirect_uri=REDIRECT_URI + "/other")
    assert response.status_code == 400
    assert "redirect uri" in response.json()["error_description"]


async def test_confidential_client_must_use_basic_auth(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
        "client_id": CLIENT_ID,
    }
    missing = await client.post(TOKEN, data=form)
    assert missing.status_code == 401
    assert missing.json()["error"] == "unauthorized_client"
    wrong = await client.post(TOKEN, data=form, auth=(CLIENT_ID, "not-the-secret"))
    assert wrong.status_code == 401
    assert (await client.post(TOKEN, data=form, auth=BASIC)).status_code == 200


async def test_unsupported_grant_type(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN, data={"grant_type": "password"}, auth=BASIC)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_refresh_rotates_both_tokens(client: httpx.AsyncClient) -> None:
    first = await tokens(client)
    response = await refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"token_type", "expires_in", "access_token", "scope", "refresh_token"}
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (await me(client, second["access_token"])).status_code == 200
    assert (await refresh(client, second["refresh_token"])).status_code == 200


async def test_reusing_a_refresh_token_breaks_the_chain(client: httpx.AsyncClient) -> None:
    first = await tokens(client)
    second = (await refresh(client, first["refresh_token"])).json()
    reused = await refresh(client, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == {
        "error": "invalid_request",
        "error_description": "Value passed for the token was invalid.",
    }
    # The chain is broken: even the newest refresh token of this grant is dead now.
    assert (await refresh(client, second["refresh_token"])).status_code == 400
    # Another consent starts a new, working chain.
    assert (await refresh(client, (await tokens(client))["refresh_token"])).status_code == 200


async def test_access_token_is_no_refresh_token(client: httpx.AsyncClient) -> None:
    first = await tokens(client)
    assert (await refresh(client, first["access_token"])).status_code == 400


async def test_revoke_ends_the_grant(client: httpx.AsyncClient) -> None:
    grant = await tokens(client)
    other = await tokens(client, "viral_vera")
    response = await client.post(
        REVOKE,
        data={"token": grant["access_token"], "token_type_hint": "access_token"},
        auth=BASIC,
    )
    assert response.status_code == 200
    assert response.json() == {"revoked": True}
    assert (await me(client, grant["access_token"])).status_code == 401
    assert (await refresh(client, grant["refresh_token"])).status_code == 400
    assert (await me(client, other["access_token"])).status_code == 200


async def test_revoke_requires_client_auth_and_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post(REVOKE, data={"token": "abc"})).status_code == 401
    assert (await client.post(REVOKE, data={}, auth=BASIC)).status_code == 400
    unknown = await client.post(REVOKE, data={"token": "not-ours"}, auth=BASIC)
    assert unknown.json() == {"revoked": True}  # RFC 7009: unknown tokens are not an error


# --- data --------------------------------------------------------------------------------------


async def test_users_me_shape_and_values(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    response = await me(client, token, "public_metrics,protected,verified")
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data)[:3] == ["id", "name", "username"]
    assert data["id"] == STEADY_ID
    assert data["username"] == "steady_creator"
    assert data["protected"] is False
    metrics = data["public_metrics"]
    assert metrics["followers_count"] == followers(STEADY, TODAY)
    assert metrics["following_count"] == STEADY.follows
    assert metrics["tweet_count"] == posts_published(STEADY, TODAY)
    assert {"listed_count", "like_count"} <= set(metrics)
    default = (await me(client, token, "")).json()["data"]
    assert set(default) == {"id", "name", "username"}


async def test_rate_limit_headers_count_down(app: FastAPI, client: httpx.AsyncClient) -> None:
    app.state.core.clock = lambda: 1_800_000_000.0
    token = (await tokens(client))["access_token"]
    first, second = await me(client, token), await me(client, token)
    assert first.headers["x-rate-limit-limit"] == "75"
    assert first.headers["x-rate-limit-remaining"] == "74"
    assert second.headers["x-rate-limit-remaining"] == "73"
    assert first.headers["x-rate-limit-reset"] == str(1_800_000_000 + 900)
    page = await timeline(client, token, STEADY_ID)
    assert page.headers["x-rate-limit-limit"] == "900"
    assert page.headers["x-rate-limit-remaining"] == "899"


async def test_exhausted_window_answers_429_until_reset(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    now = [1_800_000_000.0]
    app.state.core.clock = lambda: now[0]
    token = (await tokens(client))["access_token"]
    for _ in range(75):
        assert (await me(client, token)).status_code == 200
    limited = await me(client, token)
    assert limited.status_code == 429
    assert problem(limited) == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert limited.headers["x-rate-limit-remaining"] == "0"
    now[0] += 901
    assert (await me(client, token)).status_code == 200


async def test_timeline_shape_values_and_private_metrics(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    body = (await timeline(client, token, STEADY_ID)).json()
    posts = body["data"]
    total = posts_published(STEADY, TODAY)
    assert len(posts) == 100
    assert body["meta"]["result_count"] == 100
    assert body["meta"]["newest_id"] == posts[0]["id"] == tweet_id(STEADY, total - 1)
    assert body["meta"]["oldest_id"] == posts[-1]["id"] == tweet_id(STEADY, total - 100)
    newest = posts[0]
    assert set(newest) >= {"id", "text", "edit_history_tweet_ids", "created_at", "public_metrics"}
    stats = post_stats(STEADY, total - 1, TODAY)
    public = newest["public_metrics"]
    assert public["like_count"] == stats.likes
    assert public["reply_count"] == stats.comments
    assert public["retweet_count"] + public["quote_count"] == stats.shares
    assert public["bookmark_count"] == stats.saves
    assert public["impression_count"] == stats.views
    assert newest["non_public_metrics"]["impression_count"] == stats.views
    # Private metrics only for the last 30 days; older posts come with partial errors.
    cutoff = TODAY - timedelta(days=30)
    for post in posts:
        creator, index = parse_tweet_id(post["id"]) or (None, -1)
        assert creator is STEADY
        assert ("non_public_metrics" in post) == (post_dates(STEADY)[index] > cutoff)
    refused = {e["resource_id"] for e in body["errors"]}
    assert refused == {p["id"] for p in posts if "non_public_metrics" not in p}
    error = body["errors"][0]
    assert error["title"] == "Field Authorization Error"
    assert error["type"] == "https://api.twitter.com/2/problems/not-authorized-for-field"
    assert error["field"].startswith("non_public_metrics.")


async def test_created_at_matches_the_snowflake_and_schedule(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    post = (await timeline(client, token, STEADY_ID, max_results="5")).json()["data"][0]
    created = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
    snowflake_ms = (int(post["id"]) >> 22) + 1288834974657
    assert created == datetime.fromtimestamp(snowflake_ms / 1000, UTC)
    assert created.date() == post_dates(STEADY)[posts_published(STEADY, TODAY) - 1] < TODAY


async def test_timeline_pagination(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    first = (await timeline(client, token, STEADY_ID, max_results="7")).json()
    second_page = await timeline(
        client, token, STEADY_ID, max_results="7", pagination_token=first["meta"]["next_token"]
    )
    second = second_page.json()
    ids = [int(p["id"]) for p in first["data"] + second["data"]]
    assert len(ids) == 14 == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    total = posts_published(STEADY, TODAY)
    assert second["data"][0]["id"] == tweet_id(STEADY, total - 8)
    default = (await timeline(client, token, STEADY_ID, max_results="10")).json()
    assert len(default["data"]) == 10


async def test_last_page_has_no_next_token(client: httpx.AsyncClient) -> None:
    token = (await tokens(client, "tiny_tim"))["access_token"]
    tiny = CREATORS_BY_KEY["tiny_tim"]
    total = posts_published(tiny, TODAY)
    params = {"max_results": "100"}
    seen = 0
    for _ in range(10):
        body = (await timeline(client, token, user_id(tiny), **params)).json()
        seen += body["meta"]["result_count"]
        if "next_token" not in body["meta"]:
            break
        params["pagination_token"] = body["meta"]["next_token"]
    assert seen == total


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"max_results": "3"}, "max_results"),
        ({"max_results": "101"}, "max_results"),
        ({"tweet.fields": "public_metrics,view_count"}, "tweet.fields"),
        ({"exclude": "quotes"}, "exclude"),
        ({"pagination_token": "garbage"}, "pagination_token"),
        ({"cursor": "1"}, "cursor"),
    ],
)
async def test_invalid_timeline_requests(
    client: httpx.AsyncClient, params: dict[str, str], parameter: str
) -> None:
    token = (await tokens(client))["access_token"]
    response = await timeline(client, token, STEADY_ID, **params)
    assert response.status_code == 400
    body = problem(response)
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert parameter in body["errors"][0]["parameters"]


async def test_new_account_has_no_followers_and_no_posts(client: httpx.AsyncClient) -> None:
    token = (await tokens(client, "new_nina"))["access_token"]
    data = (await me(client, token)).json()["data"]
    assert data["public_metrics"]["followers_count"] == 0
    assert data["public_metrics"]["tweet_count"] == 0
    body = (await timeline(client, token, data["id"])).json()
    assert body == {"meta": {"result_count": 0}}


async def test_protected_account_reads_its_own_timeline(client: httpx.AsyncClient) -> None:
    pat = CREATORS_BY_KEY["personal_pat"]
    token = (await tokens(client, "personal_pat"))["access_token"]
    data = (await me(client, token, "protected")).json()["data"]
    assert data["protected"] is True
    own = (await timeline(client, token, user_id(pat))).json()
    assert own["meta"]["result_count"] == min(100, posts_published(pat, TODAY))


async def test_other_users_timelines(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    pat = CREATORS_BY_KEY["personal_pat"]
    hidden = await timeline(client, token, user_id(pat))
    assert hidden.status_code == 200
    errors = hidden.json()["errors"]
    assert "data" not in hidden.json()
    assert errors[0]["type"] == "https://api.twitter.com/2/problems/not-authorized-for-resource"
    vera = CREATORS_BY_KEY["viral_vera"]
    public = (await timeline(client, token, user_id(vera), max_results="5")).json()
    assert len(public["data"]) == 5
    assert all("non_public_metrics" not in p for p in public["data"])  # not the author
    assert len(public["errors"]) == 5 * 3  # each private metric of each post refused
    unknown = (await timeline(client, token, "12345")).json()
    assert unknown["errors"][0]["type"].endswith("/resource-not-found")


async def test_user_lookup_by_id(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    vera = CREATORS_BY_KEY["viral_vera"]
    response = await client.get(
        f"{API}/users/{user_id(vera)}",
        params={"user.fields": "public_metrics"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["public_metrics"]["followers_count"] == followers(vera, TODAY)


async def test_unknown_path_and_missing_token(client: httpx.AsyncClient) -> None:
    unknown = await client.get(f"{API}/spaces/search")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == 34
    anonymous = await client.get(f"{API}/users/me")
    assert anonymous.status_code == 401
    assert problem(anonymous)["title"] == "Unauthorized"
    garbage = await me(client, "not-a-token")
    assert garbage.status_code == 401


async def test_missing_scope_is_forbidden(client: httpx.AsyncClient) -> None:
    code = await get_code(client, scope="users.read offline.access")
    token = (await exchange(client, code)).json()["access_token"]
    response = await me(client, token)
    assert response.status_code == 403
    assert problem(response)["title"] == "Forbidden"


async def test_expired_access_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    grant = await tokens(client)
    app.state.core.clock = lambda: clock.timestamp() + 7201
    assert (await me(client, grant["access_token"])).status_code == 401
    renewed = (await refresh(client, grant["refresh_token"])).json()
    assert (await me(client, renewed["access_token"])).status_code == 200


async def test_old_host_serves_the_same_api(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    response = await client.get(
        "/api.twitter.com/2/users/me",
        params={"user.fields": "public_metrics"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["id"] == STEADY_ID


# --- determinism -------------------------------------------------------------------------------


async def snapshot_numbers(day: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with emulator(EmulatorSettings(today=day)) as (_, client):
        token = (await tokens(client))["access_token"]
        profile = (await me(client, token)).json()["data"]["public_metrics"]
        posts = (await timeline(client, token, STEADY_ID, max_results="20")).json()["data"]
        return profile, posts


async def test_same_date_same_numbers_next_day_follows_the_curve() -> None:
    today_a, today_b = await snapshot_numbers(TODAY), await snapshot_numbers(TODAY)
    assert today_a == today_b
    tomorrow = TODAY + timedelta(days=1)
    profile, posts = await snapshot_numbers(tomorrow)
    assert profile["followers_count"] == followers(STEADY, tomorrow)
    assert profile["followers_count"] != today_a[0]["followers_count"]
    same = {p["id"]: p for p in posts}
    moved = [p for p in today_a[1] if p["id"] in same]
    assert moved
    assert any(same[p["id"]]["public_metrics"] != p["public_metrics"] for p in moved)


# --- faults ------------------------------------------------------------------------------------


async def test_rate_limit_fault(app: FastAPI, client: httpx.AsyncClient) -> None:
    app.state.core.clock = lambda: 1_800_000_000.0
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="rate_limit", count=2, retry_after=120)
    for _ in range(2):
        limited = await me(client, token)
        assert limited.status_code == 429
        assert problem(limited)["status"] == 429
        assert limited.headers["x-rate-limit-remaining"] == "0"
        assert limited.headers["x-rate-limit-reset"] == str(1_800_000_000 + 120)
    assert (await me(client, token)).status_code == 200
    assert (await client.get("/_emulator/faults")).json() == {"faults": []}


async def test_rate_limit_fault_without_retry_after_uses_the_window(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.core.clock = lambda: 1_800_000_000.0
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="rate_limit", account="steady_creator")
    limited = await me(client, token)
    assert limited.headers["x-rate-limit-reset"] == str(1_800_000_000 + 900)
    other = (await tokens(client, "viral_vera"))["access_token"]
    assert (await me(client, other)).status_code == 200


async def test_server_error_fault(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="server_error", count=2)
    for _ in range(2):
        failed = await me(client, token)
        assert failed.status_code == 503
        assert problem(failed)["title"] == "Service Unavailable"
    assert (await me(client, token)).status_code == 200


async def test_quota_exhausted_fault_is_usage_capped(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="quota_exhausted")
    for _ in range(2):  # lasts until cleared
        capped = await timeline(client, token, STEADY_ID)
        assert capped.status_code == 429
        body = problem(capped)
        assert body["type"] == "https://api.twitter.com/2/problems/usage-capped"
        assert body["title"] == "UsageCapExceeded"
        december = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
        assert capped.headers["x-rate-limit-reset"] == str(int(december))
    await client.delete("/_emulator/faults")
    assert (await timeline(client, token, STEADY_ID)).status_code == 200


async def test_expire_tokens_fault(client: httpx.AsyncClient) -> None:
    grant = await tokens(client)
    other = await tokens(client, "viral_vera")
    await add_fault(client, kind="expire_tokens", account="steady_creator")
    assert (await me(client, grant["access_token"])).status_code == 401
    assert (await me(client, other["access_token"])).status_code == 200
    renewed = await refresh(client, grant["refresh_token"])  # refresh still works
    assert renewed.status_code == 200
    assert (await me(client, renewed.json()["access_token"])).status_code == 200


async def test_revoke_fault(client: httpx.AsyncClient) -> None:
    grant = await tokens(client)
    await add_fault(client, kind="revoke", account="steady_creator")
    assert (await me(client, grant["access_token"])).status_code == 401
    dead = await refresh(client, grant["refresh_token"])
    assert dead.status_code == 400
    assert dead.json()["error"] == "invalid_request"
    fresh = await tokens(client)  # reconnecting after the fault works
    assert (await me(client, fresh["access_token"])).status_code == 200


async def test_retire_metric_fault(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="retire_metric", metric="non_public_metrics")
    refused = await timeline(client, token, STEADY_ID)
    assert refused.status_code == 400
    body = problem(refused)
    assert body["errors"][0]["parameters"] == {"tweet.fields": ["non_public_metrics"]}
    assert "non_public_metrics" not in body["errors"][0]["message"].split("not one of")[1]
    fine = await timeline(client, token, STEADY_ID, **{"tweet.fields": "public_metrics"})
    assert fine.status_code == 200
    await add_fault(client, kind="retire_metric", metric="public_metrics")
    user = await me(client, token)
    assert user.status_code == 400
    assert problem(user)["errors"][0]["parameters"] == {"user.fields": ["public_metrics"]}
    await client.delete("/_emulator/faults")
    assert (await timeline(client, token, STEADY_ID)).status_code == 200


async def test_latency_fault() -> None:
    async with emulator(EmulatorSettings(today=TODAY)) as (_, client):
        token = (await tokens(client))["access_token"]
        await add_fault(client, kind="latency", latency_ms=150, count=1)
        started = time.perf_counter()
        await me(client, token)
        assert time.perf_counter() - started >= 0.145
        started = time.perf_counter()
        await me(client, token)
        assert time.perf_counter() - started < 0.145


async def test_natural_rate_limits_can_be_lifted_for_benchmarks() -> None:
    """Thousands of benchmark connections share one demo account: no 15-minute window then."""
    async with emulator(EmulatorSettings(today=TODAY, natural_rate_limits=False)) as (_, http):
        token = (await tokens(http))["access_token"]
        answers = [await me(http, token) for _ in range(80)]  # above the 75 per window
    assert {a.status_code for a in answers} == {200}
