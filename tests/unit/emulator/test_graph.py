"""graph.instagram.com: profile, media, media and account insights, determinism."""

import json
from datetime import UTC, date, datetime, timedelta

import httpx

from emulator import EmulatorSettings
from emulator.creators import get_creator, post_dates, posts_published
from emulator.instagram.data import media_id
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import GRAPH, emulator, long_token, meta_error

INSIGHTS_METRICS = "views,reach,saved,shares,likes,comments,total_interactions"


def unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


async def get(client: httpx.AsyncClient, path: str, token: str, **params: str) -> httpx.Response:
    return await client.get(path, params={**params, "access_token": token})


async def me(client: httpx.AsyncClient, token: str, fields: str) -> dict[str, object]:
    response = await get(client, f"{GRAPH}/me", token, fields=fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


async def test_me_returns_only_requested_fields(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    body = await me(client, token, "username,followers_count")
    assert set(body) == {"id", "username", "followers_count"}
    assert body["username"] == "steady_creator"
    assert isinstance(body["followers_count"], int)
    assert 11_000 < body["followers_count"] < 15_000
    full = await me(
        client,
        token,
        "user_id,username,name,account_type,profile_picture_url,followers_count,"
        "follows_count,media_count",
    )
    assert full["account_type"] in {"BUSINESS", "MEDIA_CREATOR"}
    assert str(full["user_id"]).startswith("17841")
    assert isinstance(full["media_count"], int)
    assert full["media_count"] > 100
    assert set(await me(client, token, "")) == {"id"}


async def test_me_unknown_field_is_error_100(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    response = await get(client, f"{GRAPH}/me", token, fields="username,impressions")
    assert response.status_code == 400
    error = meta_error(response)
    assert error["code"] == 100
    assert error["message"] == (
        "(#100) Tried accessing nonexisting field (impressions) on node type (User)"
    )


async def test_version_prefix_is_optional(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    bodies = []
    for prefix in (
        "/graph.instagram.com",
        "/graph.instagram.com/v21.0",
        "/graph.instagram.com/v99.9",
    ):
        response = await get(client, f"{prefix}/me", token, fields="username,media_count")
        assert response.status_code == 200
        bodies.append(response.json())
    assert bodies[0] == bodies[1] == bodies[2]


async def test_user_node_by_id_and_foreign_ids(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    mine = await me(client, token, "user_id,username")
    by_id = await get(client, f"{GRAPH}/{mine['user_id']}", token, fields="username")
    assert by_id.json()["username"] == "steady_creator"
    other_token = await long_token(client, "viral_vera")
    other = await me(client, other_token, "user_id")
    foreign = await get(client, f"{GRAPH}/{other['user_id']}", token, fields="username")
    error = meta_error(foreign)
    assert (error["code"], error["error_subcode"]) == (100, 33)


async def test_usage_header_on_every_graph_response(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    ok = await get(client, f"{GRAPH}/me", token)
    failed = await get(client, f"{GRAPH}/me", token, fields="nope")
    for response in (ok, failed):
        usage = json.loads(response.headers["X-App-Usage"])
        assert set(usage) == {"call_count", "total_cputime", "total_time"}
        assert all(isinstance(v, int) and 0 <= v <= 100 for v in usage.values())


async def walk_media(client: httpx.AsyncClient, token: str, limit: int) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    response = await get(
        client,
        f"{GRAPH}/me/media",
        token,
        fields="id,caption,media_type,media_product_type,permalink,timestamp,like_count,"
        "comments_count",
        limit=str(limit),
    )
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        pages += 1
        assert pages < 100
        next_url = body.get("paging", {}).get("next")
        if not next_url:
            break
        assert next_url.startswith("http://emulator/graph.instagram.com/v21.0/me/media?")
        response = await client.get(next_url)
    return items


async def test_media_pagination_walks_every_post_once(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    count = (await me(client, token, "media_count"))["media_count"]
    items = await walk_media(client, token, limit=100)
    ids = [str(item["id"]) for item in items]
    assert len(ids) == count
    assert len(set(ids)) == count
    stamps = [str(item["timestamp"]) for item in items]
    assert stamps == sorted(stamps, reverse=True)
    first = items[0]
    assert first["media_type"] in {"IMAGE", "VIDEO", "CAROUSEL_ALBUM"}
    assert first["media_product_type"] in {"FEED", "REELS"}
    assert str(first["permalink"]).startswith("https://www.instagram.com/")
    datetime.strptime(str(first["timestamp"]), "%Y-%m-%dT%H:%M:%S%z")
    assert str(first["timestamp"]).endswith("+0000")
    assert all(str(item["timestamp"]) < "2026-11-20" for item in items)


async def test_media_default_page_and_cursors(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    first = (await get(client, f"{GRAPH}/me/media", token)).json()
    assert len(first["data"]) == 25
    assert set(first["data"][0]) == {"id"}
    assert "previous" not in first["paging"]
    second = (await client.get(first["paging"]["next"])).json()
    back = (await client.get(second["paging"]["previous"])).json()
    assert back["data"] == first["data"]
    big = (await get(client, f"{GRAPH}/me/media", token, limit="500")).json()
    assert len(big["data"]) == 100


async def test_media_of_new_account_is_empty(client: httpx.AsyncClient) -> None:
    token = await long_token(client, "new_nina")
    assert await me(client, token, "followers_count,media_count") == {
        "id": (await me(client, token, ""))["id"],
        "followers_count": 0,
        "media_count": 0,
    }
    response = await get(client, f"{GRAPH}/me/media", token)
    assert response.json() == {"data": []}


async def first_media(client: httpx.AsyncClient, token: str) -> dict[str, object]:
    body = (
        await get(client, f"{GRAPH}/me/media", token, fields="like_count,comments_count", limit="1")
    ).json()
    item = body["data"][0]
    assert isinstance(item, dict)
    return item


async def test_media_insights(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    media = await first_media(client, token)
    response = await get(client, f"{GRAPH}/{media['id']}/insights", token, metric=INSIGHTS_METRICS)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [d["name"] for d in data] == INSIGHTS_METRICS.split(",")
    values = {d["name"]: d["values"][0]["value"] for d in data}
    for entry in data:
        assert entry["period"] == "lifetime"
        assert entry["id"] == f"{media['id']}/insights/{entry['name']}/lifetime"
        assert entry["title"]
        assert entry["description"]
    assert values["likes"] == media["like_count"]
    assert values["comments"] == media["comments_count"]
    assert values["total_interactions"] == (
        values["likes"] + values["comments"] + values["saved"] + values["shares"]
    )
    assert values["views"] >= values["reach"] > 0


async def test_retired_media_metric_fails_whole_request(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    media = await first_media(client, token)
    for retired in ("impressions", "plays", "video_views"):
        response = await get(
            client, f"{GRAPH}/{media['id']}/insights", token, metric=f"reach,{retired},likes"
        )
        assert response.status_code == 400
        error = meta_error(response)
        assert error["code"] == 100
        assert retired in str(error["message"])
        assert "metric" in str(error["message"])
    unknown = await get(client, f"{GRAPH}/{media['id']}/insights", token, metric="bogus")
    assert meta_error(unknown)["code"] == 100


async def test_foreign_and_future_media_are_unknown(client: httpx.AsyncClient) -> None:
    vera = await long_token(client, "viral_vera")
    vera_media = await first_media(client, vera)
    token = await long_token(client)
    foreign = await get(client, f"{GRAPH}/{vera_media['id']}/insights", token, metric="reach")
    assert meta_error(foreign)["error_subcode"] == 33
    future = await get(client, f"{GRAPH}/18001000000009999", token, fields="caption")
    assert meta_error(future)["error_subcode"] == 33


async def account_insights(client: httpx.AsyncClient, token: str, **params: str) -> httpx.Response:
    node = (await me(client, token, "user_id"))["user_id"]
    return await get(client, f"{GRAPH}/{node}/insights", token, **params)


async def followers_on(day: date, account: str = "steady_creator") -> int:
    async with emulator(EmulatorSettings(today=day)) as (_, client):
        token = await long_token(client, account)
        value = (await me(client, token, "followers_count"))["followers_count"]
        assert isinstance(value, int)
        return value


async def test_follower_count_series_matches_followers_curve(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    since, until = date(2026, 11, 1), TODAY
    response = await account_insights(
        client,
        token,
        metric="follower_count,reach",
        period="day",
        since=str(unix(since)),
        until=str(unix(until)),
    )
    assert response.status_code == 200, response.text
    follower_entry, reach_entry = response.json()["data"]
    assert follower_entry["name"] == "follower_count"
    assert follower_entry["period"] == "day"
    values = follower_entry["values"]
    assert len(values) == (until - since).days
    assert values[-1]["end_time"] == "2026-11-20T08:00:00+0000"
    assert values[0]["end_time"] == "2026-11-02T08:00:00+0000"
    gained = sum(v["value"] for v in values)
    assert gained == await followers_on(until) - await followers_on(since)
    assert all(v["value"] > 0 for v in values)
    day_before = await followers_on(until - timedelta(days=1))
    assert values[-1]["value"] == await followers_on(until) - day_before
    assert len(reach_entry["values"]) == len(values)
    assert all(v["value"] > 0 for v in reach_entry["values"])


async def test_follower_count_only_last_30_days(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    since = TODAY - timedelta(days=60)
    response = await account_insights(
        client,
        token,
        metric="follower_count",
        period="day",
        since=str(unix(since)),
        until=str(unix(since + timedelta(days=20))),
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["values"] == []


async def test_declining_account_has_zero_new_followers(client: httpx.AsyncClient) -> None:
    token = await long_token(client, "declining_dan")
    response = await account_insights(
        client,
        token,
        metric="follower_count",
        period="day",
        since=str(unix(TODAY - timedelta(days=7))),
        until=str(unix(TODAY)),
    )
    values = response.json()["data"][0]["values"]
    assert len(values) == 7
    assert all(v["value"] == 0 for v in values)


async def test_insights_range_over_30_days_refused(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    response = await account_insights(
        client,
        token,
        metric="reach",
        period="day",
        since=str(unix(TODAY - timedelta(days=31))),
        until=str(unix(TODAY)),
    )
    error = meta_error(response)
    assert error["code"] == 100
    assert "30 days" in str(error["message"])


async def test_total_value_metrics(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    metrics = (
        "views,accounts_engaged,total_interactions,likes,comments,shares,saves,"
        "profile_links_taps,reach"
    )
    week = await account_insights(
        client,
        token,
        metric=metrics,
        period="day",
        metric_type="total_value",
        since=str(unix(TODAY - timedelta(days=7))),
        until=str(unix(TODAY)),
    )
    assert week.status_code == 200, week.text
    data = week.json()["data"]
    assert [d["name"] for d in data] == metrics.split(",")
    totals = {d["name"]: d["total_value"]["value"] for d in data}
    assert all("values" not in d for d in data)
    assert totals["total_interactions"] == (
        totals["likes"] + totals["comments"] + totals["shares"] + totals["saves"]
    )
    day = await account_insights(
        client,
        token,
        metric="reach",
        period="day",
        metric_type="total_value",
        since=str(unix(TODAY - timedelta(days=1))),
        until=str(unix(TODAY)),
    )
    assert 0 < day.json()["data"][0]["total_value"]["value"] < totals["reach"]


async def test_account_metric_errors(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    for retired in ("impressions", "profile_views", "website_clicks"):
        response = await account_insights(
            client, token, metric=f"reach,{retired}", period="day", metric_type="total_value"
        )
        error = meta_error(response)
        assert error["code"] == 100
        assert retired in str(error["message"])
    series_only = await account_insights(client, token, metric="views", period="day")
    assert "metric_type=total_value" in str(meta_error(series_only)["message"])
    no_period = await account_insights(client, token, metric="reach")
    assert meta_error(no_period)["code"] == 100


async def test_small_account_gets_empty_follower_count(client: httpx.AsyncClient) -> None:
    token = await long_token(client, "tiny_tim")
    followers = (await me(client, token, "followers_count"))["followers_count"]
    assert isinstance(followers, int)
    assert 0 < followers < 100
    response = await account_insights(client, token, metric="follower_count,reach", period="day")
    follower_entry, reach_entry = response.json()["data"]
    assert follower_entry["values"] == []
    assert len(reach_entry["values"]) == 2


async def test_personal_account_profile_works_but_insights_refused(
    client: httpx.AsyncClient,
) -> None:
    token = await long_token(client, "personal_pat")
    profile = await me(client, token, "account_type,followers_count")
    assert profile["account_type"] == "PERSONAL"
    refused = await account_insights(client, token, metric="reach", period="day")
    error = meta_error(refused)
    assert error["code"] == 10
    media = await first_media(client, token)
    media_refused = await get(client, f"{GRAPH}/{media['id']}/insights", token, metric="reach")
    assert meta_error(media_refused)["code"] == 10


async def test_insights_need_the_insights_scope(client: httpx.AsyncClient) -> None:
    token = await long_token(client, scope="instagram_business_basic")
    assert (await me(client, token, "username"))["username"] == "steady_creator"
    response = await account_insights(client, token, metric="reach", period="day")
    assert meta_error(response)["code"] == 10


async def snapshot(day: date, account: str) -> tuple[int, int, list[int]]:
    async with emulator(EmulatorSettings(today=day)) as (_, client):
        token = await long_token(client, account)
        profile = await me(client, token, "followers_count,media_count")
        media = await get(client, f"{GRAPH}/me/media", token, fields="like_count", limit="5")
        likes = [int(item["like_count"]) for item in media.json()["data"]]
        return int(str(profile["followers_count"])), int(str(profile["media_count"])), likes


async def test_determinism_and_daily_change() -> None:
    assert await snapshot(TODAY, "steady_creator") == await snapshot(TODAY, "steady_creator")
    tomorrow = TODAY + timedelta(days=1)
    followers_today, media_today, _ = await snapshot(TODAY, "steady_creator")
    followers_tomorrow, media_tomorrow, _ = await snapshot(tomorrow, "steady_creator")
    assert followers_tomorrow > followers_today
    assert media_tomorrow >= media_today
    dan_today = (await snapshot(TODAY, "declining_dan"))[0]
    dan_tomorrow = (await snapshot(tomorrow, "declining_dan"))[0]
    assert dan_tomorrow < dan_today
    two_years_ago = (await snapshot(TODAY - timedelta(days=730), "steady_creator"))[0]
    assert 0 < two_years_ago < followers_today


async def test_viral_account_spikes() -> None:
    before = await followers_on(date(2026, 11, 5), "viral_vera")
    after = await followers_on(date(2026, 11, 16), "viral_vera")
    assert after - before > 4000


# -- field expansion ----------------------------------------------------------------------------

MEDIA = "id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count"
EXPANDED = (
    f"user_id,username,followers_count,media.limit(3){{{MEDIA},insights.metric(views,reach,saved,"
    "shares)}"
)


async def test_field_expansion_nests_media_and_their_insights(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    body = await me(client, token, EXPANDED)
    assert set(body) == {"id", "user_id", "username", "followers_count", "media"}
    media = body["media"]
    assert isinstance(media, dict)
    # The same posts, in the same order, as the media edge itself gives them.
    flat = (await get(client, f"{GRAPH}/me/media", token, fields=MEDIA, limit="3")).json()
    assert [{k: v for k, v in m.items() if k != "insights"} for m in media["data"]] == flat["data"]
    assert media["paging"]["cursors"] == flat["paging"]["cursors"]
    for item in media["data"]:
        per_post = await get(
            client, f"{GRAPH}/{item['id']}/insights", token, metric="views,reach,saved,shares"
        )
        assert item["insights"] == per_post.json()  # {"data": [{name, period, values, …}]}
        assert [e["name"] for e in item["insights"]["data"]] == [
            "views",
            "reach",
            "saved",
            "shares",
        ]


async def test_nested_media_pages_on_with_the_edge_cursors(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    body = await me(client, token, f"username,media.limit(4){{{MEDIA}}}")
    media = body["media"]
    assert isinstance(media, dict)
    assert "insights" not in media["data"][0]
    # The nested page's next link is the media edge, same fields and page size.
    next_url = media["paging"]["next"]
    assert next_url.startswith("http://emulator/graph.instagram.com/v21.0/me/media?")
    second = (await client.get(next_url)).json()
    after = (
        await get(
            client,
            f"{GRAPH}/me/media",
            token,
            fields=MEDIA,
            limit="4",
            after=media["paging"]["cursors"]["after"],
        )
    ).json()
    assert second["data"] == after["data"] and len(after["data"]) == 4
    walked = await walk_media(client, token, limit=8)
    assert [m["id"] for m in media["data"] + second["data"]] == [m["id"] for m in walked[:8]]
    # .after() works nested too.
    cursor = media["paging"]["cursors"]["after"]
    nested = await me(client, token, f"media.after({cursor}).limit(4){{id}}")
    assert [m["id"] for m in nested["media"]["data"]] == [m["id"] for m in after["data"]]  # type: ignore[index]


async def test_nested_insights_on_the_media_edge_too(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    response = await get(
        client, f"{GRAPH}/me/media", token, fields="id,insights.metric(reach)", limit="2"
    )
    assert response.status_code == 200, response.text
    for item in response.json()["data"]:
        assert [e["name"] for e in item["insights"]["data"]] == ["reach"]


async def test_expanded_request_with_a_retired_metric_fails_as_a_whole(
    client: httpx.AsyncClient,
) -> None:
    token = await long_token(client)
    for retired in ("impressions", "plays", "video_views"):
        fields = f"username,media.limit(2){{id,insights.metric(reach,{retired})}}"
        response = await get(client, f"{GRAPH}/me", token, fields=fields)
        assert response.status_code == 400
        error = meta_error(response)
        assert error["code"] == 100
        assert f"The {retired} metric is no longer supported" in str(error["message"])
    # A retire_metric fault retires it nested exactly as on /{media-id}/insights.
    fault = await client.post(
        "/_emulator/faults",
        json={"platform": "instagram", "kind": "retire_metric", "metric": "saved"},
    )
    assert fault.status_code == 200
    refused = await get(client, f"{GRAPH}/me", token, fields=EXPANDED)
    assert meta_error(refused)["code"] == 100
    without = EXPANDED.replace("saved,", "")
    assert (await get(client, f"{GRAPH}/me", token, fields=without)).status_code == 200


async def test_expansion_errors(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    cases = {
        "media{id": "Syntax error",
        "username,media.limit(2){id,bogus}": "nonexisting field (bogus) on node type (Media)",
        "media.limit(2){id,insights}": "The parameter metric is required",
        "media.limit(x){id}": "Param limit must be a number",
        "media.since(1){id}": "Unsupported modifier (since)",
        "stories{id}": "nonexisting field (stories) on node type (User)",
    }
    for fields, message in cases.items():
        response = await get(client, f"{GRAPH}/me", token, fields=fields)
        assert response.status_code == 400, fields
        error = meta_error(response)
        assert error["code"] == 100
        assert message in str(error["message"]), (fields, error)


async def test_nested_insights_need_the_permission(client: httpx.AsyncClient) -> None:
    personal = await long_token(client, "personal_pat")
    refused = await get(client, f"{GRAPH}/me", personal, fields=EXPANDED)
    assert refused.status_code == 403
    assert meta_error(refused)["code"] == 10
    plain = await me(client, personal, f"username,media.limit(2){{{MEDIA}}}")
    assert len(plain["media"]["data"]) == 2  # type: ignore[index]
    basic_only = await long_token(client, scope="instagram_business_basic")
    assert meta_error(await get(client, f"{GRAPH}/me", basic_only, fields=EXPANDED))["code"] == 10


async def test_empty_nested_edge_is_left_out(client: httpx.AsyncClient) -> None:
    token = await long_token(client, "new_nina")
    body = await me(client, token, EXPANDED)
    assert set(body) == {"id", "user_id", "username", "followers_count"}


async def test_faults_apply_to_the_expanded_request(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    fault = await client.post(
        "/_emulator/faults", json={"platform": "instagram", "kind": "server_error", "count": 1}
    )
    assert fault.status_code == 200
    failed = await get(client, f"{GRAPH}/me", token, fields=EXPANDED)
    assert (failed.status_code, meta_error(failed)["code"]) == (500, 2)
    assert (await get(client, f"{GRAPH}/me", token, fields=EXPANDED)).status_code == 200


async def test_a_post_from_before_the_business_conversion_refuses_the_whole_expansion(
    client: httpx.AsyncClient,
) -> None:
    """Meta gives a post published before the account's conversion to a business account no
    insights (100/2108006): asked per post or nested, the whole request is refused."""
    token = await long_token(client)
    stella = get_creator("steady_creator")
    assert stella is not None
    newest = posts_published(stella, TODAY) - 1
    converted = post_dates(stella)[newest - 1]  # the 2nd newest post: the first one after it
    fault = await client.post(
        "/_emulator/faults",
        json={
            "platform": "instagram",
            "kind": "business_conversion",
            "account": "steady_creator",
            "converted_on": converted.isoformat(),
        },
    )
    assert fault.status_code == 200 and fault.json()["converted_on"] == converted.isoformat()
    two = await get(client, f"{GRAPH}/me", token, fields=EXPANDED.replace("limit(3)", "limit(2)"))
    assert two.status_code == 200  # the two newest posts: both after the conversion
    refused = await get(client, f"{GRAPH}/me", token, fields=EXPANDED)  # the 3rd is before it
    assert refused.status_code == 400
    error = meta_error(refused)
    assert (error["code"], error["error_subcode"], error["type"]) == (
        100,
        2108006,
        "OAuthException",
    )
    assert error["message"] == "(#100) Media Posted Before Business Account Conversion"
    assert error["is_transient"] is False
    old = media_id(stella, newest - 2)
    for metric in ("views,reach,saved,shares", "saved"):
        alone = await get(client, f"{GRAPH}/{old}/insights", token, metric=metric)
        assert meta_error(alone)["error_subcode"] == 2108006
    after = await get(
        client, f"{GRAPH}/{media_id(stella, newest - 1)}/insights", token, metric="saved"
    )
    assert after.status_code == 200
    # Its fields are served, and without nested insights so is the page that holds it.
    listed = (await get(client, f"{GRAPH}/me/media", token, fields=MEDIA, limit="3")).json()
    assert [m["id"] for m in listed["data"]] == [media_id(stella, newest - i) for i in range(3)]
    assert (await me(client, token, f"media.limit(3){{{MEDIA}}}"))["media"]
    vera = await long_token(client, "viral_vera")  # another account: untouched
    assert (await get(client, f"{GRAPH}/me", vera, fields=EXPANDED)).status_code == 200
