"""YouTube emulator: Google OAuth, the Data API with its quota, the Analytics API and faults."""

import base64
import hashlib
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from emulator import EmulatorSettings
from emulator.creators import Creator, followers, get_creator, post_stats, posts_published
from emulator.youtube.context import context_of
from emulator.youtube.data import (
    channel_id,
    day_metrics,
    public_subscribers,
    subscriber_flow,
    uploads_playlist,
    video_id,
)
from shared import clock
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import emulator, query_of

AUTHORIZE = "/accounts.google.com/o/oauth2/v2/auth"
TOKEN = "/oauth2.googleapis.com/token"
REVOKE = "/oauth2.googleapis.com/revoke"
DATA = "/www.googleapis.com/youtube/v3"
REPORTS = "/youtubeanalytics.googleapis.com/v2/reports"
CLIENT_ID = "lsa-dev-youtube-app.apps.googleusercontent.com"
CLIENT_SECRET = "lsa-dev-youtube-secret"
REDIRECT_URI = "https://app.example.test/oauth/youtube/callback"
READONLY = "https://www.googleapis.com/auth/youtube.readonly"
ANALYTICS = "https://www.googleapis.com/auth/yt-analytics.readonly"
SCOPES = f"{READONLY} {ANALYTICS}"
METRICS = "views,estimatedMinutesWatched,subscribersGained,subscribersLost,likes"


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPES,
        "state": "st-1",
        "access_type": "offline",
        "prompt": "consent",
    }
    params.update(overrides)
    return params


async def decide(
    client: httpx.AsyncClient,
    account: str = "steady_creator",
    decision: str = "approve",
    **params: str,
) -> httpx.Response:
    form = {**authorize_params(**params), "account": account, "decision": decision}
    return await client.post(AUTHORIZE, data=form)


async def code_for(
    client: httpx.AsyncClient, account: str = "steady_creator", **params: str
) -> str:
    response = await decide(client, account, **params)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])["code"]


async def exchange(client: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    form = {
        "code": code,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "grant_type": "authorization_code",
        **extra,
    }
    return await client.post(TOKEN, data=form)


async def tokens(
    client: httpx.AsyncClient, account: str = "steady_creator", **params: str
) -> dict[str, Any]:
    response = await exchange(client, await code_for(client, account, **params))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": refresh_token,
        "grant_type": "refresh_token",
    }
    return await client.post(TOKEN, data=form)


async def get(
    client: httpx.AsyncClient, path: str, token: str, **params: str | int
) -> httpx.Response:
    return await client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


async def channel(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await get(
        client, f"{DATA}/channels", token, part="snippet,statistics,contentDetails", mine="true"
    )


async def report(client: httpx.AsyncClient, token: str, **params: str) -> httpx.Response:
    query = {
        "ids": "channel==MINE",
        "startDate": (TODAY - timedelta(days=10)).isoformat(),
        "endDate": TODAY.isoformat(),
        "metrics": METRICS,
        "dimensions": "day",
        "sort": "day",
        **params,
    }
    return await get(client, REPORTS, token, **query)


async def add_fault(client: httpx.AsyncClient, **spec: object) -> None:
    response = await client.post("/_emulator/faults", json={"platform": "youtube", **spec})
    assert response.status_code == 200, response.text


def google_error(response: httpx.Response) -> dict[str, object]:
    """The first ``errors`` entry of Google's API envelope (asserting the envelope)."""
    error = response.json()["error"]
    assert error["code"] == response.status_code
    assert isinstance(error["message"], str)
    first: dict[str, object] = error["errors"][0]
    return first


def creator(key: str = "steady_creator") -> Creator:
    found = get_creator(key)
    assert found is not None
    return found


# --- Consent page ------------------------------------------------------------------------------


async def test_consent_page_lists_accounts_scopes_and_hidden_fields(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        AUTHORIZE, params=authorize_params(code_challenge="abc", code_challenge_method="S256")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for key in ("steady_creator", "viral_vera", "new_nina", "personal_pat", "tiny_tim"):
        assert f'type="radio" name="account" value="{key}"' in html
    assert "View YouTube Analytics reports for your content" in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert f'action="{AUTHORIZE}"' in html
    assert 'method="post"' in html
    assert f'name="redirect_uri" value="{REDIRECT_URI}"' in html
    assert 'name="code_challenge" value="abc"' in html
    assert 'name="access_type" value="offline"' in html
    assert "no YouTube channel" in html  # personal_pat


async def test_consent_page_escapes_malicious_state(client: httpx.AsyncClient) -> None:
    evil = '"><script>alert(1)</script>'
    response = await client.get(AUTHORIZE, params=authorize_params(state=evil))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"redirect_uri": "not-a-url"}, "redirect_uri_mismatch"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": ""}, "invalid_request"),
        ({"scope": f"{READONLY} https://www.googleapis.com/auth/drive"}, "invalid_scope"),
        ({"code_challenge_method": "S512", "code_challenge": "x"}, "invalid_request"),
    ],
)
async def test_authorize_rejects_bad_requests(
    client: httpx.AsyncClient, override: dict[str, str], error: str
) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params(**override))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert f"Error 400: {error}" in response.text


async def test_approve_redirects_with_code_state_and_scope(client: httpx.AsyncClient) -> None:
    response = await decide(client, state="abc 123/+=")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = query_of(location)
    assert query["state"] == "abc 123/+="
    assert query["code"].startswith("4/0A")
    assert query["scope"] == SCOPES


async def test_deny_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    response = await decide(client, decision="deny", state="s1")
    assert response.status_code == 302
    assert response.headers["location"] == f"{REDIRECT_URI}?error=access_denied&state=s1"


# --- Token endpoint ------------------------------------------------------------------------------


async def test_code_exchange_shape(client: httpx.AsyncClient) -> None:
    body = await tokens(client)
    assert set(body) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
    assert body["access_token"].startswith("ya29.")
    assert body["refresh_token"].startswith("1//")
    assert body["expires_in"] == 3599
    assert body["token_type"] == "Bearer"
    assert body["scope"] == SCOPES


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = await code_for(client)
    assert (await exchange(client, code)).status_code == 200
    again = await exchange(client, code)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "Bad Request"}


async def test_code_expires_after_ten_minutes(app: FastAPI, client: httpx.AsyncClient) -> None:
    code = await code_for(client)
    later = clock.timestamp() + 601
    app.state.core.clock = lambda: later
    response = await exchange(client, code)
    assert response.json()["error"] == "invalid_grant"


async def test_token_endpoint_checks_client_and_redirect(client: httpx.AsyncClient) -> None:
    code = await code_for(client)
    wrong_secret = await exchange(client, code, client_secret="nope")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"
    wrong_redirect = await exchange(client, code, redirect_uri=REDIRECT_URI + "/x")
    assert wrong_redirect.status_code == 400
    assert wrong_redirect.json()["error"] == "redirect_uri_mismatch"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    form = {"code": code, "redirect_uri": REDIRECT_URI, "grant_type": "authorization_code"}
    with_basic = await client.post(TOKEN, data=form, headers={"Authorization": f"Basic {basic}"})
    assert with_basic.status_code == 200, with_basic.text


async def test_pkce_is_verified(client: httpx.AsyncClient) -> None:
    verifier = "v" * 64
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}

    missing = await exchange(client, await code_for(client, **pkce))
    assert missing.json() == {
        "error": "invalid_request",
        "error_description": "Missing code verifier.",
    }
    wrong = await exchange(client, await code_for(client, **pkce), code_verifier="w" * 64)
    assert wrong.json() == {"error": "invalid_grant", "error_description": "Invalid code verifier."}
    right = await exchange(client, await code_for(client, **pkce), code_verifier=verifier)
    assert right.status_code == 200


async def test_refresh_token_only_offline_and_on_first_or_forced_consent(
    client: httpx.AsyncClient,
) -> None:
    online = await tokens(client, "viral_vera", access_type="online", prompt="")
    assert "refresh_token" not in online
    first = await tokens(client, "stalled_sam", prompt="")
    assert "refresh_token" in first
    second = await tokens(client, "stalled_sam", prompt="")
    assert "refresh_token" not in second  # already consented: Google sends none
    forced = await tokens(client, "stalled_sam", prompt="consent")
    assert "refresh_token" in forced


async def test_refresh_shape_and_no_rotation(client: httpx.AsyncClient) -> None:
    body = await tokens(client)
    first = await refresh(client, body["refresh_token"])
    assert first.status_code == 200
    answer = first.json()
    assert set(answer) == {"access_token", "expires_in", "scope", "token_type"}
    assert (await channel(client, answer["access_token"])).status_code == 200
    second = await refresh(client, body["refresh_token"])  # the same refresh token still works
    assert second.status_code == 200
    assert second.json()["access_token"] != answer["access_token"]
    garbage = await refresh(client, "1//garbage")
    assert garbage.json() == {"error": "invalid_grant", "error_description": "Bad Request"}


async def test_revoking_the_refresh_token_ends_the_grant(client: httpx.AsyncClient) -> None:
    body = await tokens(client)
    revoked = await client.post(REVOKE, data={"token": body["refresh_token"]})
    assert revoked.status_code == 200
    dead = await refresh(client, body["refresh_token"])
    assert dead.status_code == 400
    assert dead.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    assert (await channel(client, body["access_token"])).status_code == 401
    again = await client.post(REVOKE, data={"token": body["refresh_token"]})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_token"
    fresh = await tokens(client)  # reconnecting works again
    assert (await channel(client, fresh["access_token"])).status_code == 200


async def test_revoking_the_access_token_also_kills_the_refresh_token(
    client: httpx.AsyncClient,
) -> None:
    body = await tokens(client)
    assert (await client.post(REVOKE, params={"token": body["access_token"]})).status_code == 200
    assert (await refresh(client, body["refresh_token"])).json()["error"] == "invalid_grant"


# --- Data API ------------------------------------------------------------------------------------


async def test_channel_shape_with_numbers_as_strings(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    response = await channel(client, token)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "youtube#channelListResponse"
    assert body["pageInfo"] == {"totalResults": 1, "resultsPerPage": 5}
    item = body["items"][0]
    steady = creator()
    assert item["kind"] == "youtube#channel"
    assert item["id"] == channel_id(steady)
    assert item["id"].startswith("UC") and len(item["id"]) == 24
    assert item["snippet"]["title"] == "Stella Steady"
    assert item["contentDetails"]["relatedPlaylists"]["uploads"] == uploads_playlist(steady)
    stats = item["statistics"]
    assert stats["subscriberCount"] == str(public_subscribers(followers(steady, TODAY)))
    assert stats["videoCount"] == str(posts_published(steady, TODAY))
    assert stats["hiddenSubscriberCount"] is False
    assert all(isinstance(stats[k], str) for k in ("viewCount", "subscriberCount", "videoCount"))
    assert set(item) == {"kind", "etag", "id", "snippet", "statistics", "contentDetails"}


def test_public_subscriber_counts_are_rounded_to_three_significant_figures() -> None:
    assert public_subscribers(999) == 999
    assert public_subscribers(4227) == 4220
    assert public_subscribers(133_017) == 133_000
    assert public_subscribers(123_456_789) == 123_000_000


async def test_special_accounts(client: httpx.AsyncClient) -> None:
    hidden = (await channel(client, (await tokens(client, "tiny_tim"))["access_token"])).json()
    stats = hidden["items"][0]["statistics"]
    assert stats["hiddenSubscriberCount"] is True
    assert "subscriberCount" not in stats
    nina = (await channel(client, (await tokens(client, "new_nina"))["access_token"])).json()
    assert nina["items"][0]["statistics"]["subscriberCount"] == "0"
    assert nina["items"][0]["statistics"]["videoCount"] == "0"
    pat = await channel(client, (await tokens(client, "personal_pat"))["access_token"])
    assert pat.status_code == 200
    assert pat.json()["items"] == []
    assert pat.json()["pageInfo"]["totalResults"] == 0


async def test_uploads_are_paged_newest_first(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    steady = creator()
    total = posts_published(steady, TODAY)
    path = f"{DATA}/playlistItems"
    first = (
        await get(
            client,
            path,
            token,
            part="contentDetails",
            playlistId=uploads_playlist(steady),
            maxResults=50,
        )
    ).json()
    assert first["pageInfo"] == {"totalResults": total, "resultsPerPage": 50}
    assert "prevPageToken" not in first
    ids = [i["contentDetails"]["videoId"] for i in first["items"]]
    assert ids == [video_id(steady, i) for i in range(total - 1, total - 51, -1)]
    second = (
        await get(
            client,
            path,
            token,
            part="contentDetails",
            playlistId=uploads_playlist(steady),
            maxResults=50,
            pageToken=first["nextPageToken"],
        )
    ).json()
    more = [i["contentDetails"]["videoId"] for i in second["items"]]
    assert more == [video_id(steady, i) for i in range(total - 51, total - 101, -1)]
    assert "prevPageToken" in second


async def test_playlist_items_errors(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    path = f"{DATA}/playlistItems"
    playlist = uploads_playlist(creator())
    too_many = await get(
        client, path, token, part="contentDetails", playlistId=playlist, maxResults=51
    )
    assert too_many.status_code == 400
    assert google_error(too_many)["reason"] == "invalidParameter"
    bad_page = await get(
        client, path, token, part="contentDetails", playlistId=playlist, pageToken="zzz"
    )
    assert google_error(bad_page)["reason"] == "invalidPageToken"
    unknown = await get(client, path, token, part="contentDetails", playlistId="UUnothing")
    assert unknown.status_code == 404
    assert google_error(unknown)["reason"] == "playlistNotFound"
    bad_part = await get(client, path, token, part="statistics", playlistId=playlist)
    assert google_error(bad_part)["reason"] == "unknownPart"


async def test_videos_batch_up_to_fifty_ids(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    steady = creator()
    total = posts_published(steady, TODAY)
    ids = [video_id(steady, i) for i in range(total - 1, total - 4, -1)]
    future = video_id(steady, total)  # not published yet: left out
    response = await get(
        client,
        f"{DATA}/videos",
        token,
        part="statistics,snippet",
        id=",".join([*ids, future, "nonexistent"]),
    )
    body = response.json()
    assert [v["id"] for v in body["items"]] == ids
    stats = post_stats(steady, total - 1, TODAY)
    assert body["items"][0]["statistics"] == {
        "viewCount": str(stats.views),
        "likeCount": str(stats.likes),
        "favoriteCount": "0",
        "commentCount": str(stats.comments),
    }
    assert body["items"][0]["snippet"]["channelId"] == channel_id(steady)
    many = ",".join(video_id(steady, i) for i in range(51))
    too_many = await get(client, f"{DATA}/videos", token, part="statistics", id=many)
    assert too_many.status_code == 400


async def test_missing_token_and_missing_scope(client: httpx.AsyncClient) -> None:
    anonymous = await client.get(f"{DATA}/channels", params={"part": "id", "mine": "true"})
    assert anonymous.status_code == 401
    assert google_error(anonymous)["reason"] == "required"
    analytics_only = (await tokens(client, scope=ANALYTICS))["access_token"]
    refused = await channel(client, analytics_only)
    assert refused.status_code == 403
    assert google_error(refused)["reason"] == "insufficientPermissions"
    data_only = (await tokens(client, scope=READONLY))["access_token"]
    assert (await report(client, data_only)).status_code == 403


# --- Quota ---------------------------------------------------------------------------------------


async def test_units_are_charged_per_call_and_search_costs_100(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    token = (await tokens(client))["access_token"]
    yt = context_of(app.state.core)
    steady = creator()
    await channel(client, token)
    await get(
        client,
        f"{DATA}/playlistItems",
        token,
        part="contentDetails",
        playlistId=uploads_playlist(steady),
        maxResults=50,
    )
    await get(client, f"{DATA}/videos", token, part="statistics", id=video_id(steady, 0))
    assert yt.units_used(CLIENT_ID) == 3
    await report(client, token)  # the Analytics API has its own quota
    assert yt.units_used(CLIENT_ID) == 3
    search = await get(
        client, f"{DATA}/search", token, part="snippet", forMine="true", type="video"
    )
    assert search.status_code == 200
    assert search.json()["items"][0]["id"]["videoId"] == video_id(
        steady, posts_published(steady, TODAY) - 1
    )
    assert yt.units_used(CLIENT_ID) == 103


async def test_quota_runs_out_and_resets_at_pacific_midnight() -> None:
    settings = EmulatorSettings(
        today=TODAY, youtube_daily_quota_units=2, youtube_access_token_ttl_s=2 * 86400
    )
    async with emulator(settings) as (app, client):
        noon_pst = datetime(2026, 11, 20, 20, 0, tzinfo=UTC).timestamp()
        app.state.core.clock = lambda: noon_pst
        token = (await tokens(client))["access_token"]
        assert (await channel(client, token)).status_code == 200
        assert (await channel(client, token)).status_code == 200
        exhausted = await channel(client, token)
        assert exhausted.status_code == 403
        assert exhausted.json() == {
            "error": {
                "code": 403,
                "message": exhausted.json()["error"]["message"],
                "errors": [
                    {
                        "message": exhausted.json()["error"]["message"],
                        "domain": "youtube.quota",
                        "reason": "quotaExceeded",
                    }
                ],
            }
        }
        assert "exceeded your" in exhausted.json()["error"]["message"]
        before_midnight = datetime(2026, 11, 21, 7, 59, tzinfo=UTC).timestamp()  # 23:59 PST
        app.state.core.clock = lambda: before_midnight
        assert (await channel(client, token)).status_code == 403
        after_midnight = datetime(2026, 11, 21, 8, 1, tzinfo=UTC).timestamp()  # 00:01 PST
        app.state.core.clock = lambda: after_midnight
        assert (await channel(client, token)).status_code == 200


async def test_quota_exhausted_fault(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="quota_exhausted")
    for _ in range(2):  # lasts until cleared
        refused = await channel(client, token)
        assert refused.status_code == 403
        assert google_error(refused)["reason"] == "quotaExceeded"
    assert (await report(client, token)).status_code == 200  # Analytics is not the Data API quota
    await client.delete("/_emulator/faults")
    assert (await channel(client, token)).status_code == 200


# --- Analytics -----------------------------------------------------------------------------------


async def test_report_shape_lag_and_values(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    response = await report(client, token)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "youtubeAnalytics#resultTable"
    assert body["columnHeaders"][0] == {
        "name": "day",
        "columnType": "DIMENSION",
        "dataType": "STRING",
    }
    assert [h["name"] for h in body["columnHeaders"][1:]] == METRICS.split(",")
    assert {h["columnType"] for h in body["columnHeaders"][1:]} == {"METRIC"}
    rows = body["rows"]
    assert rows[0][0] == (TODAY - timedelta(days=10)).isoformat()
    assert rows[-1][0] == (TODAY - timedelta(days=2)).isoformat()  # 48 h lag
    steady = creator()
    for row in rows:
        day = datetime.fromisoformat(row[0]).date()
        expected = day_metrics(steady, day)
        assert row[1:] == [expected[m] for m in METRICS.split(",")]
        gained, lost = subscriber_flow(steady, day)
        # The change during the day: from that day's count to the next day's.
        assert gained - lost == followers(steady, day + timedelta(days=1)) - followers(steady, day)


async def test_report_without_dimension_and_descending(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    totals = (await report(client, token, dimensions="", sort="", metrics="views,likes")).json()
    daily = (await report(client, token, metrics="views,likes")).json()
    assert totals["rows"] == [[sum(r[1] for r in daily["rows"]), sum(r[2] for r in daily["rows"])]]
    descending = (await report(client, token, sort="-day", metrics="views")).json()
    assert [r[0] for r in descending["rows"]] == [r[0] for r in reversed(daily["rows"])]


async def test_report_metric_errors(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    unknown = await report(client, token, metrics="views,watchTimeMinutes")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == (
        "Unknown identifier (watchTimeMinutes) given in field parameters.metrics."
    )
    assert google_error(unknown)["reason"] == "badRequest"
    revenue = await report(client, token, metrics="views,estimatedRevenue")
    assert revenue.status_code == 403
    assert google_error(revenue)["reason"] == "forbidden"
    other_channel = await report(client, token, ids=f"channel=={channel_id(creator('viral_vera'))}")
    assert other_channel.status_code == 403
    missing = await report(client, token, startDate="")
    assert missing.status_code == 400


async def test_report_for_new_channel_and_ranges_without_data(client: httpx.AsyncClient) -> None:
    nina = (await tokens(client, "new_nina"))["access_token"]
    rows = (await report(client, nina)).json()["rows"]
    assert all(value == 0 for row in rows for value in row[1:])
    steady = (await tokens(client))["access_token"]
    lagging = await report(client, steady, startDate=TODAY.isoformat())
    assert lagging.status_code == 200
    assert "rows" not in lagging.json()  # Google leaves rows out when there is no data


# --- Determinism ---------------------------------------------------------------------------------


async def test_same_date_same_numbers_next_day_follows_the_curve() -> None:
    async def numbers(today: date) -> tuple[dict[str, str], list[list[Any]]]:
        async with emulator(EmulatorSettings(today=today)) as (_app, client):
            token = (await tokens(client))["access_token"]
            stats = (await channel(client, token)).json()["items"][0]["statistics"]
            rows = (
                await report(client, token, endDate=(TODAY + timedelta(days=1)).isoformat())
            ).json()["rows"]
            return stats, rows

    first, again = await numbers(TODAY), await numbers(TODAY)
    assert first == again
    tomorrow = TODAY + timedelta(days=1)
    stats, rows = await numbers(tomorrow)
    assert stats["subscriberCount"] == str(public_subscribers(followers(creator(), tomorrow)))
    assert stats["videoCount"] == str(posts_published(creator(), tomorrow))
    assert rows[-1][0] == (tomorrow - timedelta(days=2)).isoformat()
    assert rows[:-1] == first[1]  # past days never change


# --- Faults --------------------------------------------------------------------------------------


async def test_rate_limit_fault(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="rate_limit", count=2, retry_after=30)
    for response in (await channel(client, token), await report(client, token)):
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "30"
        assert google_error(response)["reason"] == "rateLimitExceeded"
        assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert (await channel(client, token)).status_code == 200


async def test_server_error_burst(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="server_error", count=2)
    for _ in range(2):
        failed = await channel(client, token)
        assert failed.status_code == 503
        assert google_error(failed)["reason"] == "backendError"
    assert (await channel(client, token)).status_code == 200
    assert (await client.get("/_emulator/faults")).json() == {"faults": []}


async def test_expire_tokens_fault_spares_refreshed_tokens(client: httpx.AsyncClient) -> None:
    body = await tokens(client)
    other = (await tokens(client, "viral_vera"))["access_token"]
    await add_fault(client, kind="expire_tokens", account="steady_creator")
    expired = await channel(client, body["access_token"])
    assert expired.status_code == 401
    assert google_error(expired)["reason"] == "authError"
    assert google_error(expired)["message"] == "Invalid Credentials"
    assert (await channel(client, other)).status_code == 200
    fresh = (await refresh(client, body["refresh_token"])).json()["access_token"]
    assert (await channel(client, fresh)).status_code == 200


async def test_access_token_expires_by_its_lifetime(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    token = (await tokens(client))["access_token"]
    later = clock.timestamp() + 3600
    app.state.core.clock = lambda: later
    assert (await channel(client, token)).status_code == 401


async def test_revoke_fault_kills_refresh_tokens(client: httpx.AsyncClient) -> None:
    body = await tokens(client)
    await add_fault(client, kind="revoke", account="steady_creator")
    assert (await channel(client, body["access_token"])).status_code == 401
    dead = await refresh(client, body["refresh_token"])
    assert dead.json()["error_description"] == "Token has been expired or revoked."
    fresh = await tokens(client)  # a grant made after the fault works
    assert (await refresh(client, fresh["refresh_token"])).status_code == 200


async def test_retire_metric_fault(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="retire_metric", metric="estimatedMinutesWatched")
    refused = await report(client, token)
    assert refused.status_code == 400
    assert "Unknown identifier (estimatedMinutesWatched)" in refused.json()["error"]["message"]
    assert (await report(client, token, metrics="views,likes")).status_code == 200


async def test_latency_fault_applies_to_youtube_hosts(client: httpx.AsyncClient) -> None:
    token = (await tokens(client))["access_token"]
    await add_fault(client, kind="latency", latency_ms=150, count=1)
    started = time.perf_counter()
    assert (await channel(client, token)).status_code == 200
    assert time.perf_counter() - started >= 0.14
    assert (await client.get("/_emulator/faults")).json() == {"faults": []}
