"""Instagram through Facebook Login against the in-process emulator and recorded-shape fixtures.

The same creator must show the same numbers through both logins: the expectations come from the
Instagram emulator's data and from the Instagram Login client itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from emulator.creators import (
    Creator,
    PostStats,
    day_activity,
    followers,
    get_creator,
    new_followers,
    post_dates,
    post_stats,
    posts_published,
)
from emulator.instagram.data import media_id, professional_id, user_profile
from shared.platforms import Platform, instagram_facebook
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.capture import capturing
from shared.platforms.instagram import (
    ACCOUNT_TOTALS,
    ENGAGEMENT_FORMULA,
    MEDIA_METRICS,
    InstagramClient,
)
from shared.platforms.instagram import Settings as InstagramSettings
from shared.platforms.registry import build_clients
from tests.unit.shared.platforms.test_facebook import (
    EMULATOR_URL,
    LONG_TTL,
    TODAY,
    classify_fixture,
    fixture,
    open_emulator,
    pinned_clock,
    routed,
)
from tests.unit.support import PAGED, clear_lsa_env, consent, query_of

REDIRECT_URI = "https://app.example.test/api/portal/social/callback/instagram"
SCOPES = (
    "instagram_basic",
    "instagram_manage_insights",
    "pages_read_engagement",
    "pages_show_list",
)
IG_ID = "17841400000000001"


class Emu:
    def __init__(self, http: httpx.AsyncClient, client: instagram_facebook.InstagramFacebookClient):
        self.http = http
        self.client = client
        self.requests: list[httpx.Request] = []

    def asked(self, suffix: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith(suffix)]


@asynccontextmanager
async def emulated(settings: instagram_facebook.Settings | None = None) -> AsyncIterator[Emu]:
    """A fresh emulator and a client pinned to its date, recording every request it sends."""
    _app, http = await open_emulator()
    async with http:
        client = instagram_facebook.build(
            http,
            emulator_url=EMULATOR_URL,
            settings=settings or instagram_facebook.Settings(max_retries=3, **PAGED),
        )
        client.clock = pinned_clock()
        emu = Emu(http, client)

        async def record(request: httpx.Request) -> None:
            emu.requests.append(request)

        http.event_hooks["request"] = [record]
        yield emu


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


@pytest.fixture
async def emu() -> AsyncIterator[Emu]:
    async with emulated() as e:
        yield e


async def add_fault(http: httpx.AsyncClient, platform: str = "facebook", **spec: object) -> None:
    response = await http.post("/_emulator/faults", json={"platform": platform, **spec})
    assert response.status_code == 200, response.text


async def connect(emu: Emu, account: str = "steady_creator") -> TokenGrant:
    url = emu.client.authorization_url(state="st-1", redirect_uri=REDIRECT_URI)
    answer = await consent(emu.http, url, account=account)
    return await emu.client.exchange_code(code=answer["code"], redirect_uri=REDIRECT_URI)


def creator(key: str = "steady_creator") -> Creator:
    found = get_creator(key)
    assert found is not None
    return found


# --- Configuration and OAuth ------------------------------------------------------------------


def test_selected_by_the_instagram_login_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_INSTAGRAM_LOGIN", "facebook")
    monkeypatch.setenv("LSA_INSTAGRAM_FB_API_VERSION", "v24.0")
    clients = build_clients(None, emulator_url=EMULATOR_URL)  # type: ignore[arg-type]
    client = clients[Platform.INSTAGRAM]
    assert isinstance(client, instagram_facebook.InstagramFacebookClient)
    url = client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    assert url.startswith(f"{EMULATOR_URL}/www.facebook.com/v24.0/dialog/oauth?")
    assert query_of(url)["scope"] == ",".join(SCOPES)
    assert client.supports_pkce is False


def test_demo_secret_is_refused_outside_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_INSTAGRAM_LOGIN", "facebook")
    with pytest.raises(Exception, match=r"(?i)secret"):
        build_clients(None, emulator_url=None, require_credentials=True)  # type: ignore[arg-type]


async def test_connect_finds_the_linked_instagram_account(emu: Emu) -> None:
    grant = await connect(emu)
    assert grant.access_token.startswith("EAA")
    assert grant.expires_in == LONG_TTL
    assert grant.refresh_token is None  # Facebook Login has no refresh token
    assert grant.scopes == SCOPES
    assert grant.platform_user_id == professional_id(creator())
    identity = await emu.client.identity(grant.access_token)
    assert identity.platform_user_id == grant.platform_user_id
    assert identity.username == "steady_creator"
    assert identity.display_name == "Stella Steady"


async def test_personal_account_cannot_connect(emu: Emu) -> None:
    with pytest.raises(PlatformError) as raised:
        await connect(emu, "personal_pat")
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert "Instagram professional account" in raised.value.message


async def test_refresh_re_exchanges_the_user_token(emu: Emu) -> None:
    grant = await connect(emu)
    refreshed = await emu.client.refresh(access_token=grant.access_token)
    assert refreshed.access_token != grant.access_token
    assert refreshed.expires_in == LONG_TTL
    assert (await emu.client.identity(refreshed.access_token)).username == "steady_creator"


async def test_revoke(emu: Emu) -> None:
    grant = await connect(emu)
    assert await emu.client.revoke(access_token=grant.access_token) is True
    with pytest.raises(PlatformError) as raised:
        await emu.client.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert raised.value.code == "190/458"


# --- Data -------------------------------------------------------------------------------------


async def test_snapshot_matches_instagram_login(emu: Emu) -> None:
    grant = await connect(emu)
    account = str(grant.platform_user_id)
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    stella = creator()
    profile = user_profile(stella, TODAY)
    assert snapshot.followers == profile["followers_count"]
    assert snapshot.following == profile["follows_count"]
    assert snapshot.posts == profile["media_count"]
    yesterday = day_activity(stella, TODAY - timedelta(days=1))
    assert snapshot.reach == yesterday.reach
    assert snapshot.views == yesterday.views
    assert snapshot.platform_metrics == {
        "accounts_engaged": float(yesterday.accounts_engaged),
        "total_interactions": float(yesterday.interactions),
        "profile_links_taps": float(yesterday.profile_links_taps),
    }
    assert snapshot.missing_metrics == []
    assert snapshot.engagement_formula == instagram_facebook.ENGAGEMENT_FORMULA
    assert instagram_facebook.ENGAGEMENT_FORMULA == ENGAGEMENT_FORMULA

    # The same person through Instagram Login: the same posts, counts and rates.
    ig = InstagramClient(InstagramSettings(**PAGED), emu.http, emulator_url=EMULATOR_URL)
    url = ig.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    code = (await consent(emu.http, url))["code"]
    ig_grant = await ig.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    via_ig = await ig.fetch_snapshot(ig_grant.access_token, account_id="me")
    assert via_ig.followers == snapshot.followers
    assert via_ig.recent_items == snapshot.recent_items
    assert via_ig.engagement_rate == snapshot.engagement_rate
    assert snapshot.recent_items[0].saves is not None


async def test_history_gives_daily_new_followers_and_reach(emu: Emu) -> None:
    grant = await connect(emu)
    history = await emu.client.fetch_history(
        grant.access_token, account_id=str(grant.platform_user_id), days=90
    )
    assert len(history) == instagram_facebook.HISTORY_DAYS - 1
    assert history[-1].day == TODAY
    stella = creator()
    for point in history:
        assert point.followers_gained == new_followers(stella, point.day)
        assert point.metrics == {
            "reach": float(day_activity(stella, point.day - timedelta(1)).reach)
        }


async def test_account_with_no_followers(emu: Emu) -> None:
    grant = await connect(emu, "new_nina")
    account = str(grant.platform_user_id)
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    assert snapshot.followers == 0
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None
    history = await emu.client.fetch_history(grant.access_token, account_id=account, days=7)
    assert all(p.followers_gained is None for p in history)  # under 100 followers: no series


# --- Error classes ----------------------------------------------------------------------------


async def test_expired_token_is_token_expired_then_reconnect(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="expire_tokens", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id=str(grant.platform_user_id))
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED
    assert raised.value.code == "190/463"
    with pytest.raises(PlatformError) as refused:
        await emu.client.refresh(access_token=grant.access_token)
    assert refused.value.error_class is ErrorClass.REAUTH_REQUIRED


async def test_revoked_session_requires_reauthorization(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="revoke", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id=str(grant.platform_user_id))
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert raised.value.code == "190/460"


async def test_rate_limit_waits_the_business_use_case_estimate(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="rate_limit", count=3, retry_after=90)
    calls = emu.client.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id=str(grant.platform_user_id))
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.code == "4"
    assert raised.value.retry_after == 120.0  # 90 s rounds up to 2 minutes in the header
    assert emu.client.http.calls - calls == 1


async def test_server_error_burst_is_retried(emu: Emu) -> None:
    grant = await connect(emu)
    account = str(grant.platform_user_id)
    # A first sync settles the path (field expansion, or the per-post fallback it remembers).
    await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    calls = emu.client.http.calls
    clean = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    clean_calls = emu.client.http.calls - calls
    await add_fault(emu.http, kind="server_error", count=2)
    calls = emu.client.http.calls
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    assert snapshot == clean
    assert emu.client.http.calls - calls == clean_calls + 2
    assert (await emu.http.get("/_emulator/faults")).json() == {"faults": []}


async def test_server_errors_beyond_the_retry_budget_surface_as_transient() -> None:
    async with emulated(instagram_facebook.Settings(max_retries=1, **PAGED)) as emu:
        grant = await connect(emu)
        await add_fault(emu.http, kind="server_error", count=5)
        calls = emu.client.http.calls
        with pytest.raises(PlatformError) as raised:
            await emu.client.identity(grant.access_token)
        assert raised.value.error_class is ErrorClass.TRANSIENT
        assert emu.client.http.calls - calls == 2


async def test_input_errors_are_not_retried(emu: Emu) -> None:
    url = emu.client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    code = (await consent(emu.http, url))["code"]
    calls = emu.client.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI + "/elsewhere")
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert emu.client.http.calls - calls == 1


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
async def test_retired_metric_is_reported_and_not_asked_again(emu: Emu, platform: str) -> None:
    grant = await connect(emu)
    account = str(grant.platform_user_id)
    await add_fault(emu.http, platform, kind="retire_metric", metric="saved")
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    assert snapshot.missing_metrics == ["media.saved"]
    newest = snapshot.recent_items[0]
    assert newest.saves is None and newest.shares is not None and newest.reach is not None
    with capturing() as answers:
        again = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    assert again.missing_metrics == ["media.saved"]
    assert not any("saved" in a["url"] for a in answers)  # neither per post nor nested
    # The expansion is tried without the refused metric (at most once: an emulator that does
    # not serve field expansion refuses it again, and that set is remembered too) ...
    assert [a["status"] for a in answers][1:] == [200] * (len(answers) - 1)
    with capturing() as answers:
        third = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    # ... and nothing refused is asked again: every answer of the next sync is a success.
    assert third.missing_metrics == ["media.saved"]
    assert [a["status"] for a in answers] == [200] * len(answers)
    per_post = [a for a in answers if "/insights" in a["url"] and account not in a["url"]]
    assert len(per_post) in (0, emu.client.settings.insights_media_limit)


async def test_a_post_without_insights_leaves_every_other_post_its_engagement(emu: Emu) -> None:
    """Through Facebook Login too: the window's oldest post predates the business conversion,
    so Meta refuses it (100/2108006) and with it the whole expansion; the per-post fallback gives
    every other post the expansion's figures, this sync and the next ones."""
    grant = await connect(emu)
    account = str(grant.platform_user_id)
    expected = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    stella = creator()
    newest = posts_published(stella, TODAY) - 1
    window = emu.client.settings.insights_media_limit  # 10
    old = newest - (window - 1)
    await add_fault(
        emu.http,
        "instagram",  # the Instagram account's own history: both logins see it
        kind="business_conversion",
        account="steady_creator",
        converted_on=post_dates(stella)[old + 1].isoformat(),
    )
    with capturing() as answers:
        first = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    assert answers[0]["status"] == 400
    assert "media.limit(" in httpx.URL(answers[0]["url"]).params["fields"]
    with capturing() as again:
        second = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    third = await emu.client.fetch_snapshot(grant.access_token, account_id=account)
    # Remembered: straight to the per-post path, the old post asked once (not metric by metric).
    assert "media." not in httpx.URL(again[0]["url"]).params["fields"]
    assert [a["status"] for a in again].count(400) == 1
    assert (
        f"/{media_id(stella, old)}/insights" in next(a for a in again if a["status"] == 400)["url"]
    )
    assert len(again) == 1 + 2 + window + 1

    # By hand from emulator/creators.py: 12,950 followers today; the newest post has 221 likes,
    # 7 comments, 11 saves and 13 shares; the old one 725 likes and 38 comments.
    assert followers(stella, TODAY) == 12_950
    assert post_stats(stella, newest, TODAY) == PostStats(
        reach=3358, views=5071, likes=221, comments=7, saves=11, shares=13
    )
    newest_rate = 1.9459  # (221 + 7 + 11 + 13) / 12,950 x 100
    old_rate = 5.8919  # (725 + 38) / 12,950 x 100
    rates = [i.engagement_rate for i in expected.recent_items if i.engagement_rate is not None]
    assert len(rates) == len(expected.recent_items)  # every post's rate is known
    rates[window - 1] = old_rate
    for snapshot in (first, second, third):
        items = snapshot.recent_items
        assert items[0].engagement_rate == newest_rate
        assert items[: window - 1] == expected.recent_items[: window - 1]
        assert items[window:] == expected.recent_items[window:]
        assert items[window - 1] == expected.recent_items[window - 1].model_copy(
            update={
                "views": None,
                "reach": None,
                "saves": None,
                "shares": None,
                "engagement_rate": old_rate,
            }
        )
        assert snapshot.engagement_rate == pytest.approx(sum(rates) / len(rates), abs=1e-4)
        assert snapshot.missing_metrics == sorted(f"media.{m}" for m in MEDIA_METRICS)


async def test_daily_sync_by_field_expansion_on_the_emulator(emu: Emu) -> None:
    """The daily sync is 2 calls through Facebook Login too: ``/{ig-user-id}`` with the posts
    and their insights nested, and the account totals."""
    grant = await connect(emu)
    account = str(grant.platform_user_id)
    settings = instagram_facebook.Settings(page_size=10, max_pages=1, insights_media_limit=10)
    client = instagram_facebook.build(emu.http, emulator_url=EMULATOR_URL, settings=settings)
    client.clock = pinned_clock()
    with capturing() as first:
        snapshot = await client.fetch_snapshot(grant.access_token, account_id=account)
    with capturing() as second:
        again = await client.fetch_snapshot(grant.access_token, account_id=account)
    assert again == snapshot and snapshot.missing_metrics == []
    assert len([i for i in snapshot.recent_items if i.saves is not None]) == 10
    assert [a["status"] for a in first] == [a["status"] for a in second] == [200, 200]
    assert "media.limit(10){" in httpx.URL(first[0]["url"]).params["fields"]


async def test_without_the_insights_permission_every_insight_is_missing() -> None:
    settings = instagram_facebook.Settings(scopes="instagram_basic,pages_show_list", **PAGED)
    async with emulated(settings) as emu:
        grant = await connect(emu)
        snapshot = await emu.client.fetch_snapshot(
            grant.access_token, account_id=str(grant.platform_user_id)
        )
        assert snapshot.followers is not None
        assert snapshot.missing_metrics == sorted(
            {f"media.{m}" for m in MEDIA_METRICS} | {f"account.{m}" for m in ACCOUNT_TOTALS}
        )


# --- Recorded-shape fixtures ------------------------------------------------------------------


async def test_fixture_connect_picks_the_page_with_an_instagram_account() -> None:
    routes = {
        "oauth/access_token:code": "token_code",
        "oauth/access_token:long": "token_long",
        "me/permissions": "permissions",
        "me/accounts": "ig_accounts",
    }
    async with routed(routes) as http:
        client = instagram_facebook.build(http, emulator_url=None)
        grant = await client.exchange_code(code="AQ-code", redirect_uri=REDIRECT_URI)
    assert grant.platform_user_id == IG_ID
    assert grant.access_token == "EAAFIXTURELONG"
    assert grant.expires_in == 5183944


def routed_ig(
    routes: dict[str, str], expanded: str
) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """Like ``routed``, the profile node answering ``expanded`` when asked with field expansion;
    also the requests sent."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        key = request.url.path.split("/v23.0/", 1)[-1]
        if key == IG_ID and "media." in request.url.params.get("fields", ""):
            key = f"{IG_ID}?expanded"
        name = {**routes, f"{IG_ID}?expanded": expanded}.get(key, "error_unknown")
        response = fixture(name)
        response.request = request
        return response

    return httpx.AsyncClient(transport=httpx.MockTransport(answer)), sent


PER_POST = {
    IG_ID: "ig_user",
    f"{IG_ID}/media": "ig_media",
    "17895695668004550/insights": "ig_media_insights",
    # The carousel's insights are refused (a post from before the business conversion).
    "17895695668004551/insights": "error_ig_media_before_conversion",
    f"{IG_ID}/insights": "ig_account_totals",
}


async def test_fixture_daily_sync_is_two_calls() -> None:
    http, sent = routed_ig(PER_POST, expanded="ig_user_expanded")
    async with http:
        client = instagram_facebook.build(http, emulator_url=None)
        snapshot = await client.fetch_snapshot("EAAFIXTURELONG", account_id=IG_ID)
    assert [r.url.path for r in sent] == [f"/v23.0/{IG_ID}", f"/v23.0/{IG_ID}/insights"]
    assert sent[0].url.params["fields"] == (
        "id,username,name,followers_count,follows_count,media_count,media.limit(25){id,caption,"
        "media_type,media_product_type,permalink,timestamp,like_count,comments_count,"
        "insights.metric(views,reach,saved,shares)}"
    )
    assert (snapshot.followers, snapshot.following, snapshot.posts) == (12950, 410, 461)
    assert (snapshot.reach, snapshot.views) == (1712, 3100)
    reel, carousel = snapshot.recent_items
    assert reel.kind == "reel" and carousel.kind == "carousel"
    assert (reel.views, reel.reach, reel.saves, reel.shares) == (5071, 2300, 12, 6)
    assert reel.engagement_rate == pytest.approx((221 + 8 + 12 + 6) / 12950 * 100, abs=1e-4)
    assert reel.published_at == datetime(2026, 11, 19, 8, 34, 15, tzinfo=UTC)
    assert (carousel.views, carousel.reach, carousel.saves, carousel.shares) == (1480, 990, 4, 1)
    assert carousel.engagement_rate == pytest.approx((90 + 3 + 4 + 1) / 12950 * 100, abs=1e-4)
    assert snapshot.missing_metrics == []


async def test_fixture_snapshot_mapping() -> None:
    """One post's insights refused: Meta refuses the whole expanded request, the per-post path
    maps what it can, and the next sync does not ask the refused expansion again but still asks
    every post."""
    http, sent = routed_ig(PER_POST, expanded="error_ig_media_before_conversion")
    async with http:
        client = instagram_facebook.build(http, emulator_url=None)
        snapshot = await client.fetch_snapshot("EAAFIXTURELONG", account_id=IG_ID)
        first = len(sent)
        again = await client.fetch_snapshot("EAAFIXTURELONG", account_id=IG_ID)
    assert (snapshot.followers, snapshot.following, snapshot.posts) == (12950, 410, 461)
    assert (snapshot.reach, snapshot.views) == (1712, 3100)
    reel, carousel = snapshot.recent_items
    assert reel.kind == "reel" and carousel.kind == "carousel"
    assert (reel.views, reel.reach, reel.saves, reel.shares) == (5071, 2300, 12, 6)
    assert reel.engagement_rate == pytest.approx((221 + 8 + 12 + 6) / 12950 * 100, abs=1e-4)
    assert reel.published_at == datetime(2026, 11, 19, 8, 34, 15, tzinfo=UTC)
    # The carousel's insights were refused: reported missing, its rate from likes and comments.
    assert carousel.saves is None
    assert carousel.engagement_rate == pytest.approx((90 + 3) / 12950 * 100, abs=1e-4)
    assert snapshot.missing_metrics == sorted(f"media.{m}" for m in MEDIA_METRICS)
    # Expansion (refused), profile, media, reel insights, carousel insights (refused as a post:
    # not asked metric by metric), account totals.
    assert first == 1 + 1 + 1 + 1 + 1 + 1
    # The refusal is the carousel's, not a metric's: the next sync goes straight to the per-post
    # path and still asks the reel (and the carousel) for insights.
    assert [r.url.path for r in sent[first:]] == [
        f"/v23.0/{IG_ID}",
        f"/v23.0/{IG_ID}/media",
        "/v23.0/17895695668004550/insights",
        "/v23.0/17895695668004551/insights",
        f"/v23.0/{IG_ID}/insights",
    ]
    assert "media." not in sent[first].url.params["fields"]
    assert again == snapshot


async def test_fixture_a_refused_account_series_does_not_drop_a_media_metric() -> None:
    """The account's own ``reach`` series refused (history) says nothing about the posts' reach:
    the per-post path still asks it, as the expansion would have."""

    refused_series: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.path.split("/v23.0/", 1)[-1]
        params = request.url.params
        if key == f"{IG_ID}/insights" and "metric_type" not in params:  # the daily series
            name = "ig_follower_count"
            if "reach" in params["metric"]:
                name = "error_ig_retired_metric"
                refused_series.append(params["metric"])
        elif key == IG_ID and "media." in params.get("fields", ""):
            name = "error_ig_retired_metric"  # the expansion refused: the per-post path
        else:
            routes = {**PER_POST, "17895695668004551/insights": "ig_media_insights"}
            name = routes.get(key, "error_unknown")
        response = fixture(name)
        response.request = request
        return response

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = instagram_facebook.build(http, emulator_url=None)
        client.clock = pinned_clock()
        history = await client.fetch_history("EAAFIXTURELONG", account_id=IG_ID, days=2)
        snapshot = await client.fetch_snapshot("EAAFIXTURELONG", account_id=IG_ID)
    assert refused_series == ["follower_count,reach", "reach"]  # together, then alone
    assert [p.followers_gained for p in history] == [48, 51]
    assert [item.reach for item in snapshot.recent_items] == [2300, 2300]
    assert snapshot.missing_metrics == []


async def test_fixture_history() -> None:
    async with routed({f"{IG_ID}/insights": "ig_follower_count"}) as http:
        client = instagram_facebook.build(http, emulator_url=None)
        client.clock = pinned_clock()
        history = await client.fetch_history("EAAFIXTURELONG", account_id=IG_ID, days=2)
    assert [(p.day, p.followers_gained, p.metrics) for p in history] == [
        (date(2026, 11, 19), 48, {"reach": 1650.0}),
        (date(2026, 11, 20), 51, {"reach": 1712.0}),
    ]


def test_fixture_retired_instagram_metric_is_an_input_error() -> None:
    error = classify_fixture("error_ig_retired_metric", "/v23.0/17895695668004550/insights")
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.code == "100"
