"""YouTubeClient against the in-process emulator: OAuth, data, history and every error class."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from emulator.app import create_app
from emulator.creators import followers, get_creator, post_stats, posts_published
from emulator.settings import EmulatorSettings
from emulator.youtube.data import (
    channel_id,
    day_metrics,
    lifetime_views,
    parse_video_id,
    public_subscribers,
    subscriber_flow,
)
from shared.platforms import youtube
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from tests.support.clock import TODAY
from tests.unit.support import EMULATOR_URL, clear_lsa_env, consent, query_of

REDIRECT_URI = "https://app.example.test/api/portal/social/callback/youtube"
ACCESS_TTL = 1234  # not Google's 3599, so expires_in must come from the answer
NOW = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # 12:00 PST: 12 h to the quota reset
VERIFIER = "lsa-test-verifier-" + "x" * 40


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


@dataclass
class Emu:
    app: FastAPI
    http: httpx.AsyncClient
    client: youtube.YouTubeClient

    @property
    def calls(self) -> int:
        return self.client.http.calls


def emulator_settings(**overrides: object) -> EmulatorSettings:
    return EmulatorSettings(today=TODAY, youtube_access_token_ttl_s=ACCESS_TTL, **overrides)  # type: ignore[arg-type]


@asynccontextmanager
async def emulated(
    settings: EmulatorSettings | None = None, client: youtube.Settings | None = None
) -> AsyncIterator[Emu]:
    app = create_app(settings or emulator_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_URL) as http:
        yt = youtube.build(
            http,
            emulator_url=EMULATOR_URL,
            settings=client or youtube.Settings(max_retries=3),
            clock=lambda: NOW,
        )
        yield Emu(app=app, http=http, client=yt)


@pytest.fixture
async def emu() -> AsyncIterator[Emu]:
    async with emulated() as e:
        yield e


async def connect(emu: Emu, account: str = "steady_creator") -> TokenGrant:
    url = emu.client.authorization_url(
        state="st-1", redirect_uri=REDIRECT_URI, code_challenge=challenge(VERIFIER)
    )
    answer = await consent(emu.http, url, account=account)
    assert answer["state"] == "st-1"
    return await emu.client.exchange_code(
        code=answer["code"], redirect_uri=REDIRECT_URI, code_verifier=VERIFIER
    )


async def add_fault(emu: Emu, **spec: object) -> None:
    response = await emu.http.post("/_emulator/faults", json={"platform": "youtube", **spec})
    assert response.status_code == 200, response.text


async def raises(awaitable: object) -> PlatformError:
    with pytest.raises(PlatformError) as raised:
        await awaitable  # type: ignore[misc]
    return raised.value


# --- OAuth ---------------------------------------------------------------------------------


def test_authorization_url_asks_for_offline_access_with_pkce() -> None:
    client = youtube.build(None, emulator_url="http://emu:9000/")  # type: ignore[arg-type]
    url = client.authorization_url(state="abc", redirect_uri=REDIRECT_URI, code_challenge="cc")
    assert url.startswith("http://emu:9000/accounts.google.com/o/oauth2/v2/auth?")
    query = query_of(url)
    assert query["scope"] == (
        "https://www.googleapis.com/auth/youtube.readonly "
        "https://www.googleapis.com/auth/yt-analytics.readonly"
    )
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["code_challenge"] == "cc"
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == "abc"
    assert client.supports_pkce is True
    assert client.token_endpoint == "http://emu:9000/oauth2.googleapis.com/token"
    assert client.data_api == "http://emu:9000/www.googleapis.com/youtube/v3"
    assert client.analytics == "http://emu:9000/youtubeanalytics.googleapis.com/v2"


async def test_exchange_code_with_pkce(emu: Emu) -> None:
    grant = await connect(emu)
    assert grant.access_token.startswith("ya29.")
    assert grant.expires_in == ACCESS_TTL
    assert grant.refresh_token is not None
    assert grant.refresh_token.startswith("1//")
    assert grant.scopes == tuple(youtube.Settings().scopes.split())


async def test_wrong_pkce_verifier_is_refused(emu: Emu) -> None:
    url = emu.client.authorization_url(
        state="s", redirect_uri=REDIRECT_URI, code_challenge=challenge(VERIFIER)
    )
    code = (await consent(emu.http, url))["code"]
    error = await raises(
        emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier="y" * 50)
    )
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.code == "invalid_grant"


async def test_code_is_single_use(emu: Emu) -> None:
    url = emu.client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    code = (await consent(emu.http, url))["code"]
    await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    error = await raises(emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_refresh_keeps_the_refresh_token(emu: Emu) -> None:
    grant = await connect(emu)
    refreshed = await emu.client.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    assert refreshed.access_token != grant.access_token
    assert refreshed.expires_in == ACCESS_TTL
    assert refreshed.refresh_token is None  # Google kept it: the caller keeps the old one
    again = await emu.client.refresh(
        access_token=refreshed.access_token, refresh_token=grant.refresh_token
    )
    assert again.access_token not in (grant.access_token, refreshed.access_token)
    identity = await emu.client.identity(again.access_token)
    assert identity.display_name == "Stella Steady"


async def test_refresh_without_a_refresh_token_requires_reconnecting(emu: Emu) -> None:
    grant = await connect(emu)
    calls = emu.calls
    error = await raises(emu.client.refresh(access_token=grant.access_token, refresh_token=None))
    assert error.error_class is ErrorClass.REAUTH_REQUIRED
    assert emu.calls == calls


async def test_revoke_ends_the_whole_grant(emu: Emu) -> None:
    grant = await connect(emu)
    assert await emu.client.revoke(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    refresh_error = await raises(
        emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    )
    assert refresh_error.error_class is ErrorClass.REAUTH_REQUIRED
    assert refresh_error.message == "Token has been expired or revoked."
    data_error = await raises(emu.client.identity(grant.access_token))
    assert data_error.error_class is ErrorClass.TOKEN_EXPIRED
    # Revoking again is not an error: there is nothing left to revoke.
    assert await emu.client.revoke(access_token=grant.access_token)


# --- Data ----------------------------------------------------------------------------------


async def test_identity_is_the_channel(emu: Emu) -> None:
    grant = await connect(emu)
    identity = await emu.client.identity(grant.access_token)
    creator = get_creator("steady_creator")
    assert creator is not None
    assert identity.platform_user_id == channel_id(creator)
    assert identity.username == "@steadycreator"
    assert identity.display_name == "Stella Steady"


async def test_snapshot_equals_the_emulator_numbers(emu: Emu) -> None:
    creator = get_creator("steady_creator")
    assert creator is not None
    grant = await connect(emu)
    calls, units = emu.calls, emu.client.units_used
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=channel_id(creator))

    # channels + playlistItems + videos (3 units) + one Analytics query (its own quota).
    assert emu.calls - calls == 4
    assert emu.client.units_used - units == 3
    subscribers = public_subscribers(followers(creator, TODAY))
    assert snapshot.followers == subscribers
    assert snapshot.posts == posts_published(creator, TODAY)
    assert snapshot.following is None
    assert snapshot.missing_metrics == []
    assert snapshot.engagement_formula == youtube.ENGAGEMENT_FORMULA

    newest_day = TODAY - timedelta(days=2)  # the Analytics lag
    daily = day_metrics(creator, newest_day)
    assert snapshot.views == daily["views"]
    metrics = snapshot.platform_metrics
    assert metrics["channel_views"] == lifetime_views(creator, TODAY)
    assert metrics["analytics_lag_days"] == 2
    for name in ("estimatedMinutesWatched", "subscribersGained", "subscribersLost", "shares"):
        assert metrics[name] == daily[name], name

    assert len(snapshot.recent_items) == 50
    for item in snapshot.recent_items:
        found = parse_video_id(item.item_id)
        assert found is not None
        stats = post_stats(creator, found[1], TODAY)
        assert (item.views, item.likes, item.comments) == (stats.views, stats.likes, stats.comments)
        expected = (stats.likes + stats.comments) / subscribers * 100
        assert item.engagement_rate == pytest.approx(expected, abs=1e-4)
        assert item.url == f"https://www.youtube.com/watch?v={item.item_id}"
    indices = [parse_video_id(i.item_id)[1] for i in snapshot.recent_items]  # type: ignore[index]
    assert indices == list(range(posts_published(creator, TODAY) - 1, -1, -1))[:50]
    rates = [i.engagement_rate for i in snapshot.recent_items if i.engagement_rate is not None]
    assert snapshot.engagement_rate == pytest.approx(sum(rates) / len(rates), abs=1e-4)


async def test_several_pages_are_batched_fifty_ids_a_call() -> None:
    settings = youtube.Settings(page_size=30, max_pages=3)
    async with emulated(client=settings) as emu:
        grant = await connect(emu)
        units = emu.client.units_used
        snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="c")
        # channels + 3 playlist pages of 30 + 2 videos calls (50 + 40 ids).
        assert emu.client.units_used - units == 1 + 3 + 2
        ids = [i.item_id for i in snapshot.recent_items]
        assert len(ids) == 90
        assert len(set(ids)) == 90


async def test_hidden_subscriber_count_is_unknown_not_zero(emu: Emu) -> None:
    grant = await connect(emu, "tiny_tim")
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="c")
    assert snapshot.followers is None
    assert snapshot.platform_metrics["subscribers_hidden"] == 1.0
    assert snapshot.recent_items
    assert all(i.engagement_rate is None for i in snapshot.recent_items)
    assert snapshot.engagement_rate is None
    assert all(i.likes is not None for i in snapshot.recent_items)


async def test_new_channel_without_videos(emu: Emu) -> None:
    grant = await connect(emu, "new_nina")
    units = emu.client.units_used
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="c")
    assert snapshot.followers == 0
    assert snapshot.posts == 0
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None
    assert snapshot.views == 0
    assert emu.client.units_used - units == 1  # no playlist call for an empty channel


async def test_account_without_a_channel_is_refused_clearly(emu: Emu) -> None:
    grant = await connect(emu, "personal_pat")
    calls = emu.calls
    error = await raises(emu.client.fetch_snapshot(grant.access_token, account_id="c"))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert "no YouTube channel" in error.message
    assert emu.calls - calls == 1
    identity_error = await raises(emu.client.identity(grant.access_token))
    assert identity_error.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_history_rebuilds_subscribers(emu: Emu) -> None:
    creator = get_creator("viral_vera")  # the viral spike is inside the window
    assert creator is not None
    grant = await connect(emu, "viral_vera")
    points = await emu.client.fetch_history(grant.access_token, account_id="c", days=60)
    first_day, last_day = TODAY - timedelta(days=60), TODAY - timedelta(days=2)
    assert [p.day for p in points] == [
        first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)
    ]
    for point in points:
        gained, lost = subscriber_flow(creator, point.day)
        assert (point.followers_gained, point.followers_lost) == (gained, lost)
        assert point.metrics["views"] == day_metrics(creator, point.day)["views"]
        assert "subscribersGained" not in point.metrics
    net = sum((p.followers_gained or 0) - (p.followers_lost or 0) for p in points)
    assert net == followers(creator, last_day + timedelta(days=1)) - followers(creator, first_day)


# --- Error classes ---------------------------------------------------------------------------


async def test_expired_access_token_then_refresh(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="expire_tokens", account="steady_creator")
    error = await raises(emu.client.fetch_snapshot(grant.access_token, account_id="c"))
    assert error.error_class is ErrorClass.TOKEN_EXPIRED
    assert error.status == 401
    assert error.code == "authError"
    refreshed = await emu.client.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    snapshot = await emu.client.fetch_snapshot(refreshed.access_token, account_id="c")
    assert snapshot.followers


async def test_revoked_grant_requires_reauthorization(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="revoke", account="steady_creator")
    error = await raises(
        emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    )
    assert error.error_class is ErrorClass.REAUTH_REQUIRED
    assert error.code == "invalid_grant"
    assert error.status == 400


async def test_exhausted_quota_waits_for_pacific_midnight(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="quota_exhausted")
    calls = emu.calls
    error = await raises(emu.client.fetch_snapshot(grant.access_token, account_id="c"))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.code == "quotaExceeded"
    assert error.status == 403
    assert error.retry_after == 12 * 3600  # NOW is 12:00 PST
    assert emu.calls - calls == 1  # not retried


async def test_daily_quota_runs_out_while_syncing() -> None:
    async with emulated(emulator_settings(youtube_daily_quota_units=5)) as emu:
        grant = await connect(emu)
        await emu.client.fetch_snapshot(grant.access_token, account_id="c")  # 3 units
        error = await raises(emu.client.fetch_snapshot(grant.access_token, account_id="c"))
        assert error.error_class is ErrorClass.RATE_LIMITED
        assert error.code == "quotaExceeded"
        assert error.retry_after == 12 * 3600


@pytest.mark.parametrize(("retry_after", "expected"), [(90, 90.0), (None, 60.0)])
async def test_rate_limit_is_classified_and_not_retried(
    emu: Emu, retry_after: int | None, expected: float
) -> None:
    grant = await connect(emu)
    spec: dict[str, object] = {"kind": "rate_limit", "count": 5}
    if retry_after is not None:
        spec["retry_after"] = retry_after
    await add_fault(emu, **spec)
    calls = emu.calls
    error = await raises(emu.client.fetch_snapshot(grant.access_token, account_id="c"))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.code == "rateLimitExceeded"
    assert error.retry_after == expected
    assert emu.calls - calls == 1


async def test_server_error_burst_is_retried_transparently(emu: Emu) -> None:
    grant = await connect(emu)
    calls = emu.calls
    clean = await emu.client.fetch_snapshot(grant.access_token, account_id="c")
    clean_calls = emu.calls - calls

    await add_fault(emu, kind="server_error", count=2)
    calls = emu.calls
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="c")
    assert emu.calls - calls == clean_calls + 2
    assert snapshot.followers == clean.followers
    assert snapshot.views == clean.views
    assert (await emu.http.get("/_emulator/faults")).json() == {"faults": []}


async def test_server_errors_beyond_the_retry_budget_surface_as_transient() -> None:
    async with emulated(client=youtube.Settings(max_retries=1)) as emu:
        grant = await connect(emu)
        await add_fault(emu, kind="server_error", count=5)
        calls = emu.calls
        error = await raises(emu.client.identity(grant.access_token))
        assert error.error_class is ErrorClass.TRANSIENT
        assert error.code == "backendError"
        assert emu.calls - calls == 2


async def test_missing_scope_is_permission_and_not_retried(emu: Emu) -> None:
    url = emu.client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    analytics_only = url.replace("https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube.readonly+", "")
    assert analytics_only != url
    code = (await consent(emu.http, analytics_only))["code"]
    grant = await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    calls = emu.calls
    error = await raises(emu.client.fetch_snapshot(grant.access_token, account_id="c"))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.code == "insufficientPermissions"
    assert emu.calls - calls == 1


async def test_retired_metric_is_reported_and_not_asked_again(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu, kind="retire_metric", metric="estimatedMinutesWatched")
    calls = emu.calls
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id="chan")
    # 3 Data API calls, the refused query, then one query per metric.
    assert emu.calls - calls == 3 + 1 + len(youtube.ANALYTICS_METRICS)
    assert snapshot.missing_metrics == ["analytics.estimatedMinutesWatched"]
    assert "estimatedMinutesWatched" not in snapshot.platform_metrics
    assert snapshot.views is not None
    for name in ("averageViewDuration", "subscribersGained", "likes", "shares"):
        assert name in snapshot.platform_metrics, name

    calls = emu.calls
    again = await emu.client.fetch_snapshot(grant.access_token, account_id="chan")
    assert emu.calls - calls == 4  # one Analytics query without the retired metric
    assert again.missing_metrics == ["analytics.estimatedMinutesWatched"]
    history = await emu.client.fetch_history(grant.access_token, account_id="chan", days=5)
    assert history
    assert all("estimatedMinutesWatched" not in p.metrics for p in history)


def test_quota_reset_follows_daylight_saving_time() -> None:
    # 2026-03-08 00:30 PST: clocks spring forward, so the day has 23 hours.
    assert youtube.seconds_until_pacific_midnight(datetime(2026, 3, 8, 8, 30, tzinfo=UTC)) == (
        22.5 * 3600
    )
    # 2026-11-01 00:30 PDT: clocks fall back, so the day has 25 hours.
    assert youtube.seconds_until_pacific_midnight(datetime(2026, 11, 1, 7, 30, tzinfo=UTC)) == (
        24.5 * 3600
    )
    # Summer: midnight PDT is 07:00 UTC.
    assert youtube.seconds_until_pacific_midnight(datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) == 3600


def test_emulator_is_reached_at_the_real_paths() -> None:
    client = youtube.build(None, emulator_url=EMULATOR_URL)  # type: ignore[arg-type]
    for url in (client.token_endpoint, client.revoke_endpoint, client.data_api, client.analytics):
        host = urlsplit(url).path.split("/")[1]
        assert host in {
            "oauth2.googleapis.com",
            "www.googleapis.com",
            "youtubeanalytics.googleapis.com",
        }


# --- Recorded-response fixtures (documented shapes, real hosts, no emulator) -------------------

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def recorded(channels: str = "channels_mine.json") -> httpx.MockTransport:
    """Answers at Google's real paths from the fixtures; records nothing but serves them."""

    def handler(request: httpx.Request) -> httpx.Response:
        where = (request.url.host, request.url.path)
        if where == ("www.googleapis.com", "/youtube/v3/channels"):
            return httpx.Response(200, json=fixture(channels))
        if where == ("www.googleapis.com", "/youtube/v3/playlistItems"):
            page = "2" if request.url.params.get("pageToken") else "1"
            return httpx.Response(200, json=fixture(f"playlist_items_page{page}.json"))
        if where == ("www.googleapis.com", "/youtube/v3/videos"):
            assert len(request.url.params["id"].split(",")) == 3
            return httpx.Response(200, json=fixture("videos.json"))
        if where == ("youtubeanalytics.googleapis.com", "/v2/reports"):
            return httpx.Response(200, json=fixture("analytics_daily.json"))
        raise AssertionError(f"unexpected request {request.url}")

    return httpx.MockTransport(handler)


def recorded_client(
    transport: httpx.MockTransport,
) -> tuple[youtube.YouTubeClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=transport)
    settings = youtube.Settings(page_size=2, max_pages=3, max_retries=0)
    return youtube.build(http, emulator_url=None, settings=settings, clock=lambda: NOW), http


async def test_fixture_snapshot_parses_strings_hidden_counters_and_columns_by_name() -> None:
    client, http = recorded_client(recorded())
    async with http:
        snapshot = await client.fetch_snapshot("ya29.token", account_id="UCe0TLA0EsQbE-MjuHXevj2A")
    assert snapshot.followers == 2_410_000
    assert snapshot.posts == 6142
    assert snapshot.platform_metrics["channel_views"] == 248_923_711
    # The newest Analytics row (2026-11-18), mapped by column name although the order differs.
    assert snapshot.views == 61_200
    assert snapshot.platform_metrics["subscribersGained"] == 455
    assert snapshot.platform_metrics["subscribersLost"] == 30
    assert snapshot.platform_metrics["estimatedMinutesWatched"] == 230_100
    assert snapshot.platform_metrics["analytics_lag_days"] == 2
    assert [i.item_id for i in snapshot.recent_items] == [
        "dQw4w9WgXcQ",
        "M7lc1UVf-VE",
        "jNQXAC9IVRw",
    ]
    newest, likes_hidden, no_comments = snapshot.recent_items
    assert (newest.views, newest.likes, newest.comments) == (152_300, 4820, 310)
    assert newest.engagement_rate == pytest.approx((4820 + 310) / 2_410_000 * 100, abs=1e-4)
    assert newest.published_at == datetime(2026, 11, 18, 17, 0, 6, tzinfo=UTC)
    assert likes_hidden.likes is None
    assert likes_hidden.engagement_rate == pytest.approx(95 / 2_410_000 * 100, abs=1e-4)
    assert no_comments.comments is None
    assert no_comments.shares is None and no_comments.saves is None
    assert client.units_used == 1 + 2 + 1  # channels, two playlist pages, one videos batch


async def test_fixture_hidden_subscribers_are_unknown_even_when_sent_as_zero() -> None:
    client, http = recorded_client(recorded("channels_hidden_subscribers.json"))
    async with http:
        snapshot = await client.fetch_snapshot("ya29.token", account_id="c")
    assert snapshot.followers is None
    assert snapshot.posts == 0
    assert snapshot.recent_items == []


async def test_fixture_account_without_channel() -> None:
    client, http = recorded_client(recorded("channels_no_channel.json"))
    async with http:
        error = await raises(client.fetch_snapshot("ya29.token", account_id="c"))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.code == "noChannel"


def test_fixture_report_without_rows_is_empty() -> None:
    assert youtube.report_columns(fixture("analytics_no_rows.json")) == {
        "views": {},
        "subscribersGained": {},
    }


def test_fixture_token_answers() -> None:
    first = youtube.token_grant(fixture("token_exchange.json"))
    assert first.refresh_token == "1//0gExampleRefreshToken"
    assert first.expires_in == 3599
    assert "https://www.googleapis.com/auth/youtube.readonly" in first.scopes
    refreshed = youtube.token_grant(fixture("token_refresh.json"))
    assert refreshed.refresh_token is None
    assert refreshed.expires_in == 3532


@pytest.mark.parametrize(
    ("name", "error_class", "code", "retry_after"),
    [
        ("quota_exceeded", ErrorClass.RATE_LIMITED, "quotaExceeded", 12 * 3600),
        ("user_rate_limit", ErrorClass.RATE_LIMITED, "userRateLimitExceeded", 60.0),
        ("rate_limit_429", ErrorClass.RATE_LIMITED, "rateLimitExceeded", 30.0),
        ("invalid_credentials", ErrorClass.TOKEN_EXPIRED, "authError", None),
        (
            "insufficient_permissions",
            ErrorClass.PERMISSION_OR_INPUT,
            "insufficientPermissions",
            None,
        ),
        ("monetary_forbidden", ErrorClass.PERMISSION_OR_INPUT, "forbidden", None),
        ("unknown_metric", ErrorClass.PERMISSION_OR_INPUT, "badRequest", None),
        ("backend_error", ErrorClass.TRANSIENT, "backendError", None),
        ("playlist_not_found", ErrorClass.PERMISSION_OR_INPUT, "playlistNotFound", None),
        ("invalid_grant", ErrorClass.REAUTH_REQUIRED, "invalid_grant", None),
        ("invalid_client", ErrorClass.PERMISSION_OR_INPUT, "invalid_client", None),
        ("bad_gateway_html", ErrorClass.TRANSIENT, None, None),
    ],
)
def test_fixture_errors_are_classified(
    name: str, error_class: ErrorClass, code: str | None, retry_after: float | None
) -> None:
    recorded_error = fixture("errors.json")[name]
    body = recorded_error["body"]
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    response = httpx.Response(
        recorded_error["status"], headers=recorded_error["headers"], content=content
    )
    error = youtube.classify(response, now=NOW)
    assert error.error_class is error_class
    assert error.code == code
    assert error.retry_after == retry_after
    assert error.status == recorded_error["status"]
