"""LinkedIn emulator: consent page, tokens, member REST resources, determinism and faults."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from fastapi import FastAPI

from emulator import EmulatorSettings, create_app
from emulator.creators import (
    CREATORS_BY_KEY,
    followers,
    get_creator,
    new_followers,
    post_stats,
    posts_published,
)
from emulator.linkedin.data import (
    METRIC_TYPE_KEY,
    day_counts,
    lifetime_counts,
    parse_post_urn,
    person_id,
    post_counts,
)
from shared import clock
from tests.support.clock import TODAY

AUTHORIZE = "/www.linkedin.com/oauth/v2/authorization"
TOKEN = "/www.linkedin.com/oauth/v2/accessToken"
REVOKE = "/www.linkedin.com/oauth/v2/revoke"
API = "/api.linkedin.com"
REDIRECT_URI = "https://app.example.test/oauth/linkedin/callback"
CLIENT_ID = "lsa-dev-linkedin-app"
CLIENT_SECRET = "lsa-dev-linkedin-secret"
SCOPES = "openid profile r_member_profileAnalytics r_member_postAnalytics r_member_social"
VERSION = "202610"
STEADY = CREATORS_BY_KEY["steady_creator"]


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "st-1",
        "scope": SCOPES,
    }
    params.update(overrides)
    return params


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def code_for(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> str:
    form = {**authorize_params(scope=scope), "account": account, "decision": "approve"}
    response = await client.post(AUTHORIZE, data=form)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])["code"]


async def exchange(client: httpx.AsyncClient, code: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **overrides,
    }
    return await client.post(TOKEN, data=form)


async def grant(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> dict[str, object]:
    response = await exchange(client, await code_for(client, account, scope))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def token_for(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> str:
    return str((await grant(client, account, scope))["access_token"])


def headers(token: str, version: str | None = VERSION) -> dict[str, str]:
    found = {"Authorization": f"Bearer {token}", "X-Restli-Protocol-Version": "2.0.0"}
    if version is not None:
        found["LinkedIn-Version"] = version
    return found


async def rest(
    client: httpx.AsyncClient, token: str, path: str, version: str | None = VERSION
) -> httpx.Response:
    return await client.get(f"{API}/rest/{path}", headers=headers(token, version))


def window(start: date, end: date) -> str:
    def one(day: date) -> str:
        return f"(year:{day.year},month:{day.month},day:{day.day})"

    return f"(start:{one(start)},end:{one(end)})"


async def add_fault(client: httpx.AsyncClient, **spec: object) -> None:
    response = await client.post("/_emulator/faults", json={"platform": "linkedin", **spec})
    assert response.status_code == 200, response.text


@asynccontextmanager
async def emulator(settings: EmulatorSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        yield app, client


# --- consent page ------------------------------------------------------------------------------


async def test_consent_page_lists_members_scopes_and_buttons(client: httpx.AsyncClient) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for account in ("steady_creator", "viral_vera", "new_nina", "personal_pat"):
        assert f'type="radio" name="account" value="{account}"' in html
    assert "r_member_postAnalytics" in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert f'name="redirect_uri" value="{REDIRECT_URI}"' in html
    assert f'action="{AUTHORIZE}"' in html


async def test_consent_page_escapes_malicious_state(client: httpx.AsyncClient) -> None:
    evil = '"><script>alert(1)</script>'
    response = await client.get(AUTHORIZE, params=authorize_params(state=evil))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


async def test_bad_client_or_redirect_uri_is_an_error_page(client: httpx.AsyncClient) -> None:
    for params in (
        authorize_params(client_id="someone-else"),
        authorize_params(redirect_uri="not-a-url"),
        authorize_params(response_type="token"),
    ):
        response = await client.get(AUTHORIZE, params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("text/html")


async def test_unauthorized_scope_is_redirected_back(client: httpx.AsyncClient) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params(scope="openid r_liteprofile"))
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["error"] == "unauthorized_scope_error"
    assert "r_liteprofile" in query["error_description"]
    assert query["state"] == "st-1"


async def test_approve_redirects_with_code_and_state(client: httpx.AsyncClient) -> None:
    form = {**authorize_params(state="a b/+="), "account": "viral_vera", "decision": "approve"}
    response = await client.post(AUTHORIZE, data=form)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = query_of(location)
    assert query["state"] == "a b/+="
    assert query["code"].startswith("AQT")


async def test_deny_redirects_with_user_cancelled_authorize(client: httpx.AsyncClient) -> None:
    form = {**authorize_params(state="s1"), "account": "steady_creator", "decision": "deny"}
    response = await client.post(AUTHORIZE, data=form)
    assert response.status_code == 302
    assert query_of(response.headers["location"]) == {
        "error": "user_cancelled_authorize",
        "error_description": "The user cancelled the authorization",
        "state": "s1",
    }


async def test_approve_unknown_member_is_refused(client: httpx.AsyncClient) -> None:
    form = {**authorize_params(), "account": "nobody", "decision": "approve"}
    assert (await client.post(AUTHORIZE, data=form)).status_code == 400


# --- tokens ------------------------------------------------------------------------------------


async def test_code_exchange_shape_without_refresh_token(client: httpx.AsyncClient) -> None:
    body = await grant(client)
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert str(body["access_token"]).startswith("AQV")
    assert body["expires_in"] == 5184000
    assert body["scope"] == SCOPES.replace(" ", ",")


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = await code_for(client)
    assert (await exchange(client, code)).status_code == 200
    again = await exchange(client, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"


async def test_code_exchange_refusals(client: httpx.AsyncClient) -> None:
    code = await code_for(client)
    wrong_uri = await exchange(client, code, redirect_uri=REDIRECT_URI + "/x")
    assert wrong_uri.status_code == 400
    assert wrong_uri.json()["error"] == "invalid_request"
    wrong_secret = await exchange(client, code, client_secret="nope")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }
    assert (await exchange(client, code)).status_code == 200  # the failures did not use it


async def test_expired_code_is_refused() -> None:
    async with emulator(EmulatorSettings(today=TODAY)) as (app, client):
        code = await code_for(client)
        start = clock.timestamp()
        app.state.core.clock = lambda: start + 1801
        assert (await exchange(client, code)).json()["error"] == "invalid_request"


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )


async def test_partner_refresh_keeps_the_refresh_token_clock_running() -> None:
    settings = EmulatorSettings(today=TODAY, linkedin_issue_refresh_tokens=True)
    async with emulator(settings) as (app, client):
        first = await grant(client)
        assert first["refresh_token_expires_in"] == 31536000
        refresh_token = str(first["refresh_token"])
        assert refresh_token.startswith("AQX")
        start = clock.timestamp()
        app.state.core.clock = lambda: start + 59 * 86400
        response = await refresh(client, refresh_token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["refresh_token"] == refresh_token  # not rotated
        assert 306 * 86400 - 5 <= body["refresh_token_expires_in"] <= 306 * 86400
        assert body["expires_in"] == 5184000
        assert body["access_token"] != first["access_token"]
        userinfo = await client.get(f"{API}/v2/userinfo", headers=headers(body["access_token"]))
        assert userinfo.status_code == 200
        app.state.core.clock = lambda: start + 366 * 86400
        dead = await refresh(client, refresh_token)
        assert dead.status_code == 400
        assert dead.json()["error"] == "invalid_grant"


async def test_revoke_kills_access_and_refresh_tokens() -> None:
    settings = EmulatorSettings(today=TODAY, linkedin_issue_refresh_tokens=True)
    async with emulator(settings) as (_, client):
        body = await grant(client)
        form = {
            "token": body["access_token"],
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        assert (await client.post(REVOKE, data=form)).status_code == 200
        response = await rest(client, str(body["access_token"]), "memberFollowersCount?q=me")
        assert response.status_code == 401
        assert response.json()["code"] == "REVOKED_ACCESS_TOKEN"
        assert (await refresh(client, str(body["refresh_token"]))).json()[
            "error"
        ] == "invalid_grant"
        bad_secret = {**form, "client_secret": "nope"}
        assert (await client.post(REVOKE, data=bad_secret)).status_code == 401


# --- data --------------------------------------------------------------------------------------


async def test_userinfo_shape(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    body = (await client.get(f"{API}/v2/userinfo", headers=headers(token))).json()
    assert body["sub"] == person_id(STEADY)
    assert body["name"] == "Stella Steady"
    assert (body["given_name"], body["family_name"]) == ("Stella", "Steady")
    assert "email" not in body  # the email scope was not asked for
    no_profile = await token_for(client, scope="r_member_profileAnalytics")
    denied = await client.get(f"{API}/v2/userinfo", headers=headers(no_profile))
    assert denied.status_code == 403


async def test_followers_count_lifetime_and_daily(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    me = (await rest(client, token, "memberFollowersCount?q=me")).json()
    assert me["elements"] == [{"memberFollowersCount": followers(STEADY, TODAY)}]
    days = window(TODAY - timedelta(days=5), TODAY + timedelta(days=2))
    body = (await rest(client, token, f"memberFollowersCount?q=dateRange&dateRange={days}")).json()
    elements = body["elements"]
    assert len(elements) == 5  # today and later have no data yet
    first = elements[0]
    start = TODAY - timedelta(days=5)
    assert first["dateRange"]["start"] == {
        "year": start.year,
        "month": start.month,
        "day": start.day,
    }
    assert first["dateRange"]["end"]["day"] == (start + timedelta(days=1)).day
    gains = [e["memberFollowersCount"] for e in elements]
    assert gains == [new_followers(STEADY, start + timedelta(days=i)) for i in range(5)]


async def test_followers_needs_the_profile_analytics_scope(client: httpx.AsyncClient) -> None:
    token = await token_for(client, scope="openid profile")
    response = await rest(client, token, "memberFollowersCount?q=me")
    assert response.status_code == 403
    assert response.json()["code"] == "ACCESS_DENIED"


async def test_member_post_analytics_total_and_daily(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    lifetime = (
        await rest(
            client, token, "memberCreatorPostAnalytics?q=me&queryType=REACTION&aggregation=TOTAL"
        )
    ).json()
    assert lifetime["elements"] == [
        {"count": lifetime_counts(STEADY, TODAY)["REACTION"], "metricType": "REACTION"}
    ]
    days = window(TODAY - timedelta(days=3), TODAY)
    total = (
        await rest(
            client,
            token,
            f"memberCreatorPostAnalytics?q=me&queryType=IMPRESSION&aggregation=TOTAL&dateRange={days}",
        )
    ).json()["elements"][0]
    expected = sum(day_counts(STEADY, TODAY - timedelta(days=i))["IMPRESSION"] for i in (1, 2, 3))
    assert total["count"] == expected
    daily = (
        await rest(
            client,
            token,
            f"memberCreatorPostAnalytics?q=me&queryType=COMMENT&aggregation=DAILY&dateRange={days}",
        )
    ).json()["elements"]
    assert [e["count"] for e in daily] == [
        day_counts(STEADY, TODAY - timedelta(days=i))["COMMENT"] for i in (3, 2, 1)
    ]
    reach_daily = await rest(
        client,
        token,
        f"memberCreatorPostAnalytics?q=me&queryType=MEMBERS_REACHED&aggregation=DAILY&dateRange={days}",
    )
    assert reach_daily.status_code == 400


async def test_metric_type_shape_depends_on_the_version(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    path = "memberCreatorPostAnalytics?q=me&queryType=RESHARE&aggregation=TOTAL"
    old = (await rest(client, token, path, version="202604")).json()["elements"][0]
    assert old["metricType"] == {METRIC_TYPE_KEY: "RESHARE"}
    new = (await rest(client, token, path, version="202606")).json()["elements"][0]
    assert new["metricType"] == "RESHARE"


async def posts_page(
    client: httpx.AsyncClient, token: str, start: int, count: int, account: str = "steady_creator"
) -> httpx.Response:
    creator = get_creator(account)
    assert creator is not None
    author = quote(f"urn:li:person:{person_id(creator)}", safe="")
    return await rest(client, token, f"posts?author={author}&q=author&count={count}&start={start}")


async def test_posts_pagination_and_entity_analytics(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    first = (await posts_page(client, token, 0, 5)).json()
    second = (await posts_page(client, token, 5, 5)).json()
    ids = [p["id"] for p in first["elements"] + second["elements"]]
    assert len(ids) == len(set(ids)) == 10
    assert first["paging"]["links"][0]["rel"] == "next"
    published = [p["publishedAt"] for p in first["elements"] + second["elements"]]
    assert published == sorted(published, reverse=True)
    newest = parse_post_urn(ids[0])
    assert newest is not None
    assert newest == (STEADY, posts_published(STEADY, TODAY) - 1)
    urn = ids[0]
    kind = "ugc" if urn.startswith("urn:li:ugcPost:") else "share"
    entity = f"({kind}:{quote(urn, safe='')})"
    for query_type in ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"):
        body = (
            await rest(
                client,
                token,
                f"memberCreatorPostAnalytics?q=entity&entity={entity}"
                f"&queryType={query_type}&aggregation=TOTAL",
            )
        ).json()
        element = body["elements"][0]
        assert element["count"] == post_counts(STEADY, newest[1], TODAY)[query_type]
        assert element["targetEntity"] == {kind: urn}
    stats = post_stats(STEADY, newest[1], TODAY)
    assert post_counts(STEADY, newest[1], TODAY)["REACTION"] == stats.likes
    last = (await posts_page(client, token, posts_published(STEADY, TODAY) - 2, 5)).json()
    assert len(last["elements"]) == 2
    assert last["paging"]["links"] == []


async def test_other_members_posts_are_not_readable(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    assert (await posts_page(client, token, 0, 5, account="viral_vera")).status_code == 403
    vera_token = await token_for(client, "viral_vera")
    vera_post = (await posts_page(client, vera_token, 0, 1, account="viral_vera")).json()
    urn = vera_post["elements"][0]["id"]
    kind = "ugc" if urn.startswith("urn:li:ugcPost:") else "share"
    response = await rest(
        client,
        token,
        f"memberCreatorPostAnalytics?q=entity&entity=({kind}:{quote(urn, safe='')})"
        "&queryType=REACTION&aggregation=TOTAL",
    )
    assert response.status_code == 403


async def test_posts_need_r_member_social(client: httpx.AsyncClient) -> None:
    token = await token_for(client, scope="openid profile r_member_postAnalytics")
    response = await posts_page(client, token, 0, 5)
    assert response.status_code == 403
    assert response.json()["code"] == "ACCESS_DENIED"


async def test_new_member_has_zero_followers_and_no_posts(client: httpx.AsyncClient) -> None:
    token = await token_for(client, "new_nina")
    me = (await rest(client, token, "memberFollowersCount?q=me")).json()
    assert me["elements"] == [{"memberFollowersCount": 0}]
    assert (await posts_page(client, token, 0, 10, account="new_nina")).json()["elements"] == []
    totals = await rest(
        client, token, "memberCreatorPostAnalytics?q=me&queryType=IMPRESSION&aggregation=TOTAL"
    )
    assert totals.json()["elements"][0]["count"] == 0


async def test_version_header_is_required_and_must_be_active(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    missing = await rest(client, token, "memberFollowersCount?q=me", version=None)
    assert missing.status_code == 400
    assert missing.json()["code"] == "VERSION_MISSING"
    for version in ("202510", "202701", "banana"):
        retired = await rest(client, token, "memberFollowersCount?q=me", version=version)
        assert retired.status_code == 426, version
        assert retired.json() == {
            "status": 426,
            "code": "NONEXISTENT_VERSION",
            "message": f"Requested version {version} is not active",
        }
    assert (await rest(client, token, "memberFollowersCount?q=me", "202512")).status_code == 200


# --- determinism -------------------------------------------------------------------------------


async def test_same_date_same_numbers_next_day_moves() -> None:
    async def numbers(today: date) -> tuple[int, int]:
        async with emulator(EmulatorSettings(today=today)) as (_, client):
            token = await token_for(client)
            me = (await rest(client, token, "memberFollowersCount?q=me")).json()
            total = (
                await rest(
                    client,
                    token,
                    "memberCreatorPostAnalytics?q=me&queryType=IMPRESSION&aggregation=TOTAL",
                )
            ).json()
            return me["elements"][0]["memberFollowersCount"], total["elements"][0]["count"]

    assert await numbers(TODAY) == await numbers(TODAY)
    followers_today, _ = await numbers(TODAY)
    followers_tomorrow, _ = await numbers(TODAY + timedelta(days=1))

    assert (followers_today, followers_tomorrow) == (
        followers(STEADY, TODAY),
        followers(STEADY, TODAY + timedelta(days=1)),
    )
    assert followers_tomorrow != followers_today


# --- faults ------------------------------------------------------------------------------------


async def test_rate_limit_fault(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    await add_fault(client, kind="rate_limit", count=2, retry_after=30)
    for _ in range(2):
        response = await rest(client, token, "memberFollowersCount?q=me")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "30"
        body = response.json()
        assert body["code"] == "TOO_MANY_REQUESTS"
        assert "DAY limit" in body["message"]
    assert (await rest(client, token, "memberFollowersCount?q=me")).status_code == 200


async def test_quota_exhausted_lasts_until_cleared(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    await add_fault(client, kind="quota_exhausted")
    for _ in range(3):
        response = await rest(client, token, "memberFollowersCount?q=me")
        assert response.status_code == 429
        assert "Retry-After" not in response.headers
        assert "APPLICATION DAY limit" in response.json()["message"]
    await client.delete("/_emulator/faults")
    assert (await rest(client, token, "memberFollowersCount?q=me")).status_code == 200


async def test_server_error_burst(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    await add_fault(client, kind="server_error", count=2)
    for _ in range(2):
        response = await rest(client, token, "memberFollowersCount?q=me")
        assert response.status_code == 500
        assert response.json()["code"] == "INTERNAL_SERVER_ERROR"
    assert (await rest(client, token, "memberFollowersCount?q=me")).status_code == 200


async def test_expire_tokens_fault_spares_new_tokens(client: httpx.AsyncClient) -> None:
    old = await token_for(client)
    await add_fault(client, kind="expire_tokens", account="steady_creator")
    response = await rest(client, old, "memberFollowersCount?q=me")
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "serviceErrorCode": 65602,
        "code": "EXPIRED_ACCESS_TOKEN",
        "message": "The token used in the request has expired",
    }
    fresh = await token_for(client)
    assert (await rest(client, fresh, "memberFollowersCount?q=me")).status_code == 200


async def test_token_expires_after_its_lifetime() -> None:
    async with emulator(EmulatorSettings(today=TODAY)) as (app, client):
        token = await token_for(client)
        start = clock.timestamp()
        app.state.core.clock = lambda: start + 5184000 + 10
        response = await rest(client, token, "memberFollowersCount?q=me")
        assert response.json()["code"] == "EXPIRED_ACCESS_TOKEN"


async def test_revoke_fault(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    vera = await token_for(client, "viral_vera")
    await add_fault(client, kind="revoke", account="steady_creator")
    response = await client.get(f"{API}/v2/userinfo", headers=headers(token))
    assert response.status_code == 401
    assert response.json()["serviceErrorCode"] == 65601
    assert response.json()["code"] == "REVOKED_ACCESS_TOKEN"
    assert (await client.get(f"{API}/v2/userinfo", headers=headers(vera))).status_code == 200


async def test_retire_metric_fault_refuses_that_query_type_only(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    await add_fault(client, kind="retire_metric", metric="MEMBERS_REACHED")
    path = "memberCreatorPostAnalytics?q=me&aggregation=TOTAL&queryType="
    refused = await rest(client, token, path + "MEMBERS_REACHED")
    assert refused.status_code == 400
    error = refused.json()["errorDetails"]["inputErrors"][0]
    assert error["code"] == "INVALID_VALUE"
    assert error["input"]["inputPath"]["fieldPath"] == "queryType"
    assert (await rest(client, token, path + "IMPRESSION")).status_code == 200


async def test_latency_fault_delays_linkedin_only(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    await add_fault(client, kind="latency", latency_ms=150, count=1)
    started = time.perf_counter()
    assert (await rest(client, token, "memberFollowersCount?q=me")).status_code == 200
    assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    await rest(client, token, "memberFollowersCount?q=me")
    assert time.perf_counter() - started < 0.15


async def test_every_member_has_creator_analytics(client: httpx.AsyncClient) -> None:
    """LinkedIn has no personal/professional split: personal_pat is an ordinary member."""
    token = await token_for(client, "personal_pat")
    pat = CREATORS_BY_KEY["personal_pat"]
    me = (await rest(client, token, "memberFollowersCount?q=me")).json()
    assert me["elements"] == [{"memberFollowersCount": followers(pat, TODAY)}]
    posts = (await posts_page(client, token, 0, 3, account="personal_pat")).json()
    assert len(posts["elements"]) == 3
