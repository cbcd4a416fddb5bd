"""Facebook emulator: Login dialog, tokens, Pages, posts, insights, Instagram nodes, faults."""

import json
import time
from datetime import date, timedelta

import httpx
import pytest

from emulator import EmulatorSettings
from emulator.creators import (
    Creator,
    get_creator,
    new_followers,
    post_dates,
    post_stats,
    posts_published,
)
from emulator.facebook.data import (
    audience_factor,
    fan_count,
    page_followers,
    page_id,
    page_metric_value,
    parse_post_id,
    post_id,
    user_id,
)
from emulator.instagram.data import media_id, professional_id, user_profile
from shared import clock
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import emulator, meta_error, query_of

DIALOG = "/www.facebook.com/v23.0/dialog/oauth"
GRAPH = "/graph.facebook.com/v23.0"
APP_ID = "lsa-dev-facebook-app"
APP_SECRET = "lsa-dev-facebook-secret"
REDIRECT_URI = "https://app.example.test/oauth/facebook/callback"
SCOPES = (
    "pages_show_list,pages_read_engagement,read_insights,instagram_basic,instagram_manage_insights"
)
POST_FIELDS = (
    "id,message,created_time,permalink_url,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
FAULTS = "/_emulator/faults"


def creator(key: str = "steady_creator") -> Creator:
    found = get_creator(key)
    assert found is not None
    return found


def dialog_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": APP_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPES,
        "state": "st-123",
    }
    params.update(overrides)
    return params


async def decide(
    client: httpx.AsyncClient,
    account: str = "steady_creator",
    decision: str = "approve",
    **over: str,
) -> httpx.Response:
    form = {**dialog_params(**over), "account": account, "decision": decision}
    return await client.post(DIALOG, data=form)


async def get_code(client: httpx.AsyncClient, account: str = "steady_creator", **over: str) -> str:
    response = await decide(client, account, **over)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])["code"]


async def exchange(client: httpx.AsyncClient, code: str, **over: str) -> httpx.Response:
    params = {
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "redirect_uri": REDIRECT_URI,
        "code": code,
        **over,
    }
    return await client.get(f"{GRAPH}/oauth/access_token", params=params)


async def long_exchange(client: httpx.AsyncClient, token: str) -> httpx.Response:
    params = {
        "grant_type": "fb_exchange_token",
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "fb_exchange_token": token,
    }
    return await client.get(f"{GRAPH}/oauth/access_token", params=params)


async def user_token(
    client: httpx.AsyncClient, account: str = "steady_creator", **over: str
) -> str:
    short = (await exchange(client, await get_code(client, account, **over))).json()["access_token"]
    answer = await long_exchange(client, short)
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    assert isinstance(token, str)
    return token


async def page_token(client: httpx.AsyncClient, account: str = "steady_creator") -> str:
    user = await user_token(client, account)
    accounts = await get(client, "me/accounts", user, fields="id,access_token")
    token = accounts.json()["data"][0]["access_token"]
    assert isinstance(token, str)
    return token


async def get(client: httpx.AsyncClient, path: str, token: str, **params: str) -> httpx.Response:
    return await client.get(f"{GRAPH}/{path}", params={"access_token": token, **params})


async def add_fault(client: httpx.AsyncClient, **spec: object) -> None:
    response = await client.post(FAULTS, json={"platform": "facebook", **spec})
    assert response.status_code == 200, response.text


def day_bounds(since: date, until: date) -> dict[str, str]:
    return {"since": since.isoformat(), "until": until.isoformat(), "period": "day"}


# --- Login dialog -----------------------------------------------------------------------------


async def test_consent_page_lists_people_and_permissions(client: httpx.AsyncClient) -> None:
    response = await client.get(DIALOG, params=dialog_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for account in ("steady_creator", "viral_vera", "new_nina", "personal_pat"):
        assert f'value="{account}"' in html
    assert "read_insights" in html and "instagram_manage_insights" in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert f'action="{DIALOG}"' in html
    assert f'name="redirect_uri" value="{REDIRECT_URI}"' in html
    assert "no Page" in html  # personal_pat


async def test_unversioned_dialog_is_served_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/www.facebook.com/dialog/oauth", params=dialog_params())
    assert response.status_code == 200
    assert 'value="steady_creator"' in response.text


async def test_consent_page_escapes_malicious_state(client: httpx.AsyncClient) -> None:
    evil = '"><script>alert(1)</script>'
    response = await client.get(DIALOG, params=dialog_params(state=evil))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"client_id": "someone-else"}, "Invalid App ID"),
        ({"redirect_uri": "not-a-url"}, "redirect_uri"),
        ({"scope": "pages_show_list,manage_everything"}, "Invalid Scopes: manage_everything"),
    ],
)
async def test_dialog_refuses_bad_requests(
    client: httpx.AsyncClient, override: dict[str, str], message: str
) -> None:
    response = await client.get(DIALOG, params=dialog_params(**override))
    assert response.status_code == 400
    assert message in response.text


async def test_approve_redirects_with_code_and_state(client: httpx.AsyncClient) -> None:
    response = await decide(client)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert location.endswith("#_=_")
    query = query_of(location)
    assert query["state"] == "st-123"
    assert query["code"].startswith("AQ")


async def test_deny_redirects_with_facebooks_error(client: httpx.AsyncClient) -> None:
    response = await decide(client, decision="deny")
    assert response.status_code == 302
    assert query_of(response.headers["location"]) == {
        "error": "access_denied",
        "error_code": "200",
        "error_description": "Permissions error",
        "error_reason": "user_denied",
        "state": "st-123",
    }


# --- Token endpoints --------------------------------------------------------------------------


async def test_code_exchange_shape_and_single_use(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    first = await exchange(client, code)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["access_token"].startswith("EAA")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5400
    again = await exchange(client, code)
    assert again.status_code == 400
    error = meta_error(again)
    assert (error["code"], error["error_subcode"]) == (100, 36009)


async def test_code_exchange_checks_redirect_uri_secret_and_expiry() -> None:
    async with emulator(EmulatorSettings(today=TODAY)) as (app, client):
        code = await get_code(client)
        mismatch = meta_error(await exchange(client, code, redirect_uri=REDIRECT_URI + "/x"))
        assert (mismatch["code"], mismatch["error_subcode"]) == (100, 36008)
        secret = await exchange(client, code, client_secret="wrong")
        assert secret.status_code == 400
        assert meta_error(secret) | {"fbtrace_id": ""} == {
            "message": "Error validating client secret.",
            "type": "OAuthException",
            "code": 1,
            "fbtrace_id": "",
        }
        assert meta_error(await exchange(client, "AQgarbage"))["code"] == 100
        core = app.state.core
        started = clock.timestamp()
        core.clock = lambda: started + 601  # codes live 10 minutes
        expired = meta_error(await exchange(client, code))
        assert (expired["code"], expired["error_subcode"]) == (100, 36007)


async def test_long_lived_exchange_and_re_exchange(client: httpx.AsyncClient) -> None:
    short = (await exchange(client, await get_code(client))).json()["access_token"]
    long = await long_exchange(client, short)
    assert long.status_code == 200
    assert long.json()["expires_in"] == 5184000
    again = await long_exchange(client, long.json()["access_token"])
    assert again.status_code == 200
    assert again.json()["access_token"] != long.json()["access_token"]


async def test_short_token_expires_with_its_lifetime() -> None:
    async with emulator(EmulatorSettings(today=TODAY, facebook_short_token_ttl_s=60)) as (app, c):
        short = (await exchange(c, await get_code(c))).json()["access_token"]
        assert (await get(c, "me", short)).status_code == 200
        started = clock.timestamp()
        app.state.core.clock = lambda: started + 120
        error = meta_error(await get(c, "me", short))
        assert (error["code"], error["error_subcode"]) == (190, 463)
        assert "Session has expired" in str(error["message"])


# --- User, accounts, permissions --------------------------------------------------------------


async def test_me_and_accounts_with_page_tokens(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    stella = creator()
    me = (await get(client, "me", token, fields="id,name")).json()
    assert me == {"id": user_id(stella), "name": "Stella Steady"}
    fields = "id,name,access_token,followers_count,fan_count,instagram_business_account"
    accounts = (await get(client, "me/accounts", token, fields=fields)).json()
    (page,) = accounts["data"]
    assert page["id"] == page_id(stella)
    assert page["followers_count"] == page_followers(stella, TODAY)
    assert page["fan_count"] == fan_count(stella, TODAY)
    assert page["instagram_business_account"] == {"id": professional_id(stella)}
    assert page["access_token"].startswith("EAA")
    assert "after" in accounts["paging"]["cursors"]
    as_page = (await get(client, "me", page["access_token"], fields="id,name,username")).json()
    assert as_page == {"id": page_id(stella), "name": "Stella Steady", "username": "steady.creator"}


async def test_person_without_a_page_has_no_accounts(client: httpx.AsyncClient) -> None:
    token = await user_token(client, "personal_pat")
    answer = await get(client, "me/accounts", token, fields="id,access_token")
    assert answer.json() == {"data": []}


async def test_permissions_and_deauthorization(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    page = await page_token(client)
    granted = (await get(client, "me/permissions", token)).json()["data"]
    assert {p["permission"] for p in granted} == set(SCOPES.split(","))
    assert all(p["status"] == "granted" for p in granted)
    deleted = await client.delete(f"{GRAPH}/me/permissions", params={"access_token": token})
    assert deleted.json() == {"success": True}
    for dead in (token, page):
        error = meta_error(await get(client, "me", dead))
        assert (error["code"], error["error_subcode"]) == (190, 458)
    assert (await get(client, "me", await user_token(client))).status_code == 200  # reconnect


# --- Page node, posts and insights ------------------------------------------------------------


async def test_page_fields_and_usage_headers(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    stella = creator()
    response = await get(client, page_id(stella), token, fields="name,followers_count,fan_count")
    assert response.json() == {
        "id": page_id(stella),
        "name": "Stella Steady",
        "followers_count": page_followers(stella, TODAY),
        "fan_count": fan_count(stella, TODAY),
    }
    assert set(json.loads(response.headers["X-App-Usage"])) == {
        "call_count",
        "total_cputime",
        "total_time",
    }
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])
    (entry,) = buc[page_id(stella)]
    assert entry["type"] == "pages"
    assert entry["estimated_time_to_regain_access"] == 0
    unknown = meta_error(await get(client, page_id(stella), token, fields="page_fans"))
    assert unknown["code"] == 100


async def test_other_peoples_pages_are_not_visible(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    error = meta_error(await get(client, page_id(creator("viral_vera")), token, fields="name"))
    assert (error["code"], error["error_subcode"]) == (100, 33)


async def test_posts_need_a_page_token(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    error = meta_error(await get(client, f"{page_id(creator())}/posts", token))
    assert error["code"] == 210


async def test_posts_with_field_expansion_and_pagination(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    stella = creator()
    node = page_id(stella)
    first = (await get(client, f"{node}/posts", token, fields=POST_FIELDS, limit="3")).json()
    total = posts_published(stella, TODAY)
    assert [p["id"] for p in first["data"]] == [
        post_id(stella, i) for i in (total - 1, total - 2, total - 3)
    ]
    newest = first["data"][0]
    stats, factor = post_stats(stella, total - 1, TODAY), audience_factor(stella)
    assert newest["reactions"] == {
        "data": [],
        "summary": {"total_count": round(stats.likes * factor), "viewer_reaction": "NONE"},
    }
    assert newest["comments"]["summary"]["total_count"] == round(stats.comments * factor)
    assert newest["shares"] == {"count": round(stats.shares * factor)}
    assert newest["created_time"].endswith("+0000")
    assert newest["permalink_url"].startswith("https://www.facebook.com/")
    assert "previous" not in first["paging"]
    second = (await client.get(first["paging"]["next"])).json()
    ids = [p["id"] for p in second["data"]]
    assert ids == [post_id(stella, i) for i in (total - 4, total - 5, total - 6)]
    assert "previous" in second["paging"]
    assert parse_post_id(ids[0]) == (stella, total - 4)


async def test_posts_never_shared_have_no_shares_field(client: httpx.AsyncClient) -> None:
    token = await page_token(client, "tiny_tim")
    tim = creator("tiny_tim")
    posts = (
        await get(client, f"{page_id(tim)}/posts", token, fields="id,shares", limit="50")
    ).json()
    assert posts["data"], "tiny_tim has posts"
    for post in posts["data"]:
        index = parse_post_id(post["id"])
        assert index is not None
        shares = round(post_stats(tim, index[1], TODAY).shares * audience_factor(tim))
        assert ("shares" in post) == (shares > 0)
    assert any("shares" not in post for post in posts["data"])


async def test_last_page_of_posts_has_no_next(client: httpx.AsyncClient) -> None:
    token = await page_token(client, "tiny_tim")
    tim = creator("tiny_tim")
    total = posts_published(tim, TODAY)
    assert total > 100  # more than one maximal page
    body = (await get(client, f"{page_id(tim)}/posts", token, limit="500")).json()
    seen = [p["id"] for p in body["data"]]
    assert len(seen) == 100  # the limit is capped
    while "next" in body["paging"]:
        body = (await client.get(body["paging"]["next"])).json()
        seen += [p["id"] for p in body["data"]]
    assert seen == [post_id(tim, i) for i in range(total - 1, -1, -1)]


async def test_unknown_post_field_is_refused(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    error = meta_error(await get(client, f"{page_id(creator())}/posts", token, fields="id,likes"))
    assert error["code"] == 100
    assert "nonexisting field (likes)" in str(error["message"])


async def test_page_insights_shape_and_values(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    stella = creator()
    node = page_id(stella)
    metrics = "page_media_view,page_follows,page_daily_follows_unique"
    response = await get(
        client, f"{node}/insights", token, metric=metrics, **day_bounds(TODAY - timedelta(3), TODAY)
    )
    data = response.json()["data"]
    assert [entry["name"] for entry in data] == metrics.split(",")
    for entry in data:
        assert entry["period"] == "day"
        assert entry["id"] == f"{node}/insights/{entry['name']}/day"
        assert entry["title"] and entry["description"]
        days = [TODAY - timedelta(days=2 - i) for i in range(3)]
        assert [v["end_time"] for v in entry["values"]] == [f"{d}T08:00:00+0000" for d in days]
        assert [v["value"] for v in entry["values"]] == [
            page_metric_value(stella, entry["name"], d) for d in days
        ]
    follows = data[1]["values"]
    gained = data[2]["values"]
    assert gained[-1]["value"] == follows[-1]["value"] - follows[-2]["value"]


@pytest.mark.parametrize(
    "metric", ["page_fans", "page_impressions_unique", "post_impressions", "nonsense"]
)
async def test_retired_or_unknown_metric_fails_the_whole_request(
    client: httpx.AsyncClient, metric: str
) -> None:
    token = await page_token(client)
    response = await get(
        client,
        f"{page_id(creator())}/insights",
        token,
        metric=f"page_follows,{metric}",
        period="day",
    )
    assert response.status_code == 400
    error = meta_error(response)
    assert error["code"] == 100
    assert error["message"] == "(#100) The value must be a valid insights metric"


async def test_insights_window_is_at_most_90_days_and_2_years_back(
    client: httpx.AsyncClient,
) -> None:
    token = await page_token(client)
    node = page_id(creator())
    too_wide = await get(
        client,
        f"{node}/insights",
        token,
        metric="page_follows",
        **day_bounds(TODAY - timedelta(91), TODAY),
    )
    assert meta_error(too_wide)["code"] == 100
    old = await get(
        client,
        f"{node}/insights",
        token,
        metric="page_follows",
        **day_bounds(TODAY - timedelta(800), TODAY - timedelta(720)),
    )
    values = old.json()["data"][0]["values"]
    assert len(values) == 10  # only the days within the last 730
    assert values[0]["end_time"].startswith(str(TODAY - timedelta(729)))


async def test_small_pages_have_no_insights(client: httpx.AsyncClient) -> None:
    for key in ("new_nina", "tiny_tim"):
        token = await page_token(client, key)
        response = await get(
            client, f"{page_id(creator(key))}/insights", token, metric="page_follows", period="day"
        )
        assert response.json() == {"data": []}


async def test_insights_need_read_insights(client: httpx.AsyncClient) -> None:
    user = await user_token(client, scope="pages_show_list,pages_read_engagement")
    accounts = (await get(client, "me/accounts", user, fields="id,access_token")).json()
    token = accounts["data"][0]["access_token"]
    error = meta_error(
        await get(client, f"{page_id(creator())}/insights", token, metric="page_follows")
    )
    assert error["code"] == 10


async def test_numbers_are_deterministic_and_follow_the_curve() -> None:
    async def followers_on(day: date) -> tuple[int, int]:
        async with emulator(EmulatorSettings(today=day)) as (_, client):
            token = await page_token(client)
            body = (await get(client, page_id(creator()), token, fields="followers_count")).json()
            posts = (await get(client, f"{page_id(creator())}/posts", token, limit="1")).json()
            return body["followers_count"], len(posts["data"][0]["id"])

    first, again = await followers_on(TODAY), await followers_on(TODAY)
    assert first == again
    tomorrow = await followers_on(TODAY + timedelta(days=1))
    assert first[0] == page_followers(creator(), TODAY)
    assert tomorrow[0] == page_followers(creator(), TODAY + timedelta(days=1))
    assert tomorrow[0] != first[0]


# --- Instagram through Facebook Login ---------------------------------------------------------


async def test_instagram_nodes_show_the_instagram_numbers(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    stella = creator()
    ig = professional_id(stella)
    fields = "username,name,followers_count,follows_count,media_count"
    response = await get(client, ig, token, fields=fields)
    profile = user_profile(stella, TODAY)
    assert response.json() == {"id": ig, **{k: profile[k] for k in fields.split(",")}}
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert buc[ig][0]["type"] == "instagram"
    media = (await get(client, f"{ig}/media", token, fields="id,like_count", limit="2")).json()
    assert len(media["data"]) == 2 and "next" in media["paging"]
    first = media["data"][0]["id"]
    insights = (await get(client, f"{first}/insights", token, metric="views,saved")).json()
    assert [e["name"] for e in insights["data"]] == ["views", "saved"]
    series = await get(
        client,
        f"{ig}/insights",
        token,
        metric="follower_count",
        **day_bounds(TODAY - timedelta(2), TODAY),
    )
    values = [v["value"] for v in series.json()["data"][0]["values"]]
    assert values == [new_followers(stella, TODAY - timedelta(1)), new_followers(stella, TODAY)]


async def test_instagram_nodes_need_instagram_permissions(client: httpx.AsyncClient) -> None:
    token = await user_token(client, scope="pages_show_list,instagram_basic")
    ig = professional_id(creator())
    assert (await get(client, ig, token, fields="username")).status_code == 200
    error = meta_error(await get(client, f"{ig}/insights", token, metric="reach", period="day"))
    assert error["code"] == 10
    other = meta_error(await get(client, professional_id(creator("viral_vera")), token))
    assert other["error_subcode"] == 33


# --- Faults -----------------------------------------------------------------------------------


async def test_rate_limit_on_page_calls_is_a_page_limit_with_buc_estimate(
    client: httpx.AsyncClient,
) -> None:
    token = await page_token(client)
    node = page_id(creator())
    await add_fault(client, kind="rate_limit", count=1, retry_after=150)
    response = await get(client, node, token, fields="name")
    assert response.status_code == 403
    error = meta_error(response)
    assert error["code"] == 32
    assert error["message"] == "(#32) Page request limit reached"
    (entry,) = json.loads(response.headers["X-Business-Use-Case-Usage"])[node]
    assert entry["call_count"] == 100
    assert entry["estimated_time_to_regain_access"] == 3  # 150 s → 3 minutes
    assert (await get(client, node, token, fields="name")).status_code == 200


async def test_rate_limit_on_user_and_app_calls(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    await add_fault(client, kind="rate_limit", account="steady_creator")
    user = await get(client, "me", token)
    assert meta_error(user)["code"] == 17
    assert "X-Business-Use-Case-Usage" not in user.headers
    await add_fault(client, kind="rate_limit")
    app_level = await exchange(client, "AQnothing")
    assert meta_error(app_level)["code"] == 4
    assert json.loads(app_level.headers["X-App-Usage"])["call_count"] == 100


async def test_rate_limit_on_instagram_nodes(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    ig = professional_id(creator())
    await add_fault(client, kind="rate_limit", retry_after=60)
    response = await get(client, ig, token, fields="username")
    assert meta_error(response)["code"] == 4
    (entry,) = json.loads(response.headers["X-Business-Use-Case-Usage"])[ig]
    assert (entry["type"], entry["estimated_time_to_regain_access"]) == ("instagram", 1)


async def test_server_error_burst(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    await add_fault(client, kind="server_error", count=2)
    for _ in range(2):
        response = await get(client, "me", token)
        assert response.status_code == 500
        assert meta_error(response)["code"] == 2
    assert (await get(client, "me", token)).status_code == 200


async def test_expire_tokens_fault_spares_later_tokens_and_other_accounts(
    client: httpx.AsyncClient,
) -> None:
    page = await page_token(client)
    vera = await page_token(client, "viral_vera")
    await add_fault(client, kind="expire_tokens", account="steady_creator")
    error = meta_error(await get(client, "me", page))
    assert (error["code"], error["error_subcode"]) == (190, 463)
    assert (await get(client, "me", vera)).status_code == 200
    assert (await get(client, "me", await page_token(client))).status_code == 200


async def test_revoke_fault(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    await add_fault(client, kind="revoke", account="steady_creator")
    error = meta_error(await get(client, "me", token))
    assert (error["code"], error["error_subcode"]) == (190, 460)
    refused = meta_error(await long_exchange(client, token))
    assert refused["error_subcode"] == 460


async def test_retire_metric_fault_for_page_metrics_and_fields(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    node = page_id(creator())
    await add_fault(client, kind="retire_metric", metric="page_views_total")
    await add_fault(client, kind="retire_metric", metric="fan_count")
    both = await get(client, f"{node}/insights", token, metric="page_follows,page_views_total")
    assert meta_error(both)["message"] == "(#100) The value must be a valid insights metric"
    assert (await get(client, f"{node}/insights", token, metric="page_follows")).status_code == 200
    field = meta_error(await get(client, node, token, fields="followers_count,fan_count"))
    assert "nonexisting field (fan_count)" in str(field["message"])


async def test_retire_metric_fault_for_instagram_metrics(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    await add_fault(client, kind="retire_metric", metric="reach")
    ig = professional_id(creator())
    media = (await get(client, f"{ig}/media", token, fields="id", limit="1")).json()["data"][0]
    refused = meta_error(await get(client, f"{media['id']}/insights", token, metric="views,reach"))
    assert refused["code"] == 100
    totals = await get(
        client, f"{ig}/insights", token, metric="reach", metric_type="total_value", period="day"
    )
    assert meta_error(totals)["code"] == 100
    kept = await get(client, f"{media['id']}/insights", token, metric="views")
    assert kept.status_code == 200


async def test_business_conversion_of_the_instagram_account_holds_through_facebook_login(
    client: httpx.AsyncClient,
) -> None:
    """The fault is the Instagram account's (platform ``instagram``): both logins see it."""
    token = await user_token(client)
    stella = creator()
    newest = posts_published(stella, TODAY) - 1
    spec = {"kind": "business_conversion", "account": "steady_creator"}
    converted = post_dates(stella)[newest].isoformat()  # only the newest post has insights
    response = await client.post(
        FAULTS, json={"platform": "instagram", **spec, "converted_on": converted}
    )
    assert response.status_code == 200, response.text
    fields = "username,media.limit(2){id,insights.metric(reach)}"
    refused = meta_error(await get(client, professional_id(stella), token, fields=fields))
    assert (refused["code"], refused["error_subcode"]) == (100, 2108006)
    newest_id, older_id = media_id(stella, newest), media_id(stella, newest - 1)
    assert (await get(client, f"{newest_id}/insights", token, metric="reach")).status_code == 200
    older = meta_error(await get(client, f"{older_id}/insights", token, metric="reach"))
    assert older["error_subcode"] == 2108006


async def test_quota_exhausted_does_not_apply_to_facebook(client: httpx.AsyncClient) -> None:
    token = await page_token(client)
    await add_fault(client, kind="quota_exhausted")
    assert (await get(client, page_id(creator()), token, fields="name")).status_code == 200


async def test_latency_fault_delays_facebook_hosts_only() -> None:
    async with emulator(EmulatorSettings(today=TODAY)) as (_, client):
        token = await user_token(client)
        await add_fault(client, kind="latency", latency_ms=150, count=1)
        started = time.perf_counter()
        await client.get("/_emulator/health")
        assert time.perf_counter() - started < 0.14
        started = time.perf_counter()
        assert (await get(client, "me", token)).status_code == 200
        assert time.perf_counter() - started >= 0.145
        started = time.perf_counter()
        await get(client, "me", token)
        assert time.perf_counter() - started < 0.14
