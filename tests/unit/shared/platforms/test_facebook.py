"""FacebookPagesClient against the in-process emulator (OAuth, data, every error class) and
against recorded-shape fixtures (fixtures/facebook/)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from emulator.app import create_app
from emulator.creators import Creator, get_creator, post_stats, posts_published
from emulator.facebook.data import (
    audience_factor,
    fan_count,
    page_followers,
    page_id,
    page_metric_value,
)
from emulator.settings import EmulatorSettings
from shared.platforms import facebook
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.meta import DEFAULT_RATE_LIMIT_WAIT
from tests.unit.support import clear_lsa_env, consent, query_of

TODAY = date(2026, 11, 20)
EMULATOR_URL = "http://emulator"
REDIRECT_URI = "https://app.example.test/api/portal/social/callback/facebook"
LONG_TTL = 4_321_000  # not the emulator's default: lifetimes must come from the answers
FIXTURES = Path(__file__).parent / "fixtures" / "facebook"
SCOPES = ("pages_show_list", "pages_read_engagement", "read_insights")


def pinned_clock(day: date = TODAY) -> Callable[[], float]:
    """Noon UTC of ``day``: the client's insights windows then end at the emulator's today."""
    return lambda: datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


@dataclass
class Emu:
    app: Any
    http: httpx.AsyncClient
    client: facebook.FacebookPagesClient
    requests: list[httpx.Request] = field(default_factory=list)

    def asked(self, suffix: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith(suffix)]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


async def open_emulator() -> tuple[Any, httpx.AsyncClient]:
    app = create_app(EmulatorSettings(today=TODAY, facebook_long_token_ttl_s=LONG_TTL))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=EMULATOR_URL)
    return app, http


@pytest.fixture
async def emu() -> AsyncIterator[Emu]:
    async with emulated() as e:
        yield e


@asynccontextmanager
async def emulated(settings: facebook.Settings | None = None) -> AsyncIterator[Emu]:
    """A fresh emulator and a client pinned to its date, recording every request it sends."""
    app, http = await open_emulator()
    async with http:
        client = facebook.build(
            http, emulator_url=EMULATOR_URL, settings=settings or facebook.Settings(max_retries=3)
        )
        client.clock = pinned_clock()
        emu = Emu(app=app, http=http, client=client)

        async def record(request: httpx.Request) -> None:
            emu.requests.append(request)

        http.event_hooks["request"] = [record]
        yield emu


async def add_fault(http: httpx.AsyncClient, **spec: object) -> None:
    response = await http.post("/_emulator/faults", json={"platform": "facebook", **spec})
    assert response.status_code == 200, response.text


async def connect(emu: Emu, account: str = "steady_creator") -> TokenGrant:
    url = emu.client.authorization_url(state="st-1", redirect_uri=REDIRECT_URI)
    answer = await consent(emu.http, url, account=account)
    assert answer["state"] == "st-1"
    return await emu.client.exchange_code(code=answer["code"], redirect_uri=REDIRECT_URI)


def creator(key: str = "steady_creator") -> Creator:
    found = get_creator(key)
    assert found is not None
    return found


# --- OAuth ------------------------------------------------------------------------------------


def test_authorization_url_goes_through_the_emulator() -> None:
    client = facebook.build(None, emulator_url="http://emu:9000/")  # type: ignore[arg-type]
    url = client.authorization_url(state="abc", redirect_uri=REDIRECT_URI)
    assert url.startswith("http://emu:9000/www.facebook.com/v23.0/dialog/oauth?")
    query = query_of(url)
    assert query["scope"] == ",".join(SCOPES)
    assert query["state"] == "abc"
    assert query["response_type"] == "code"
    assert query["client_id"] == "lsa-dev-facebook-app"
    assert client.login.graph == "http://emu:9000/graph.facebook.com/v23.0"
    assert client.supports_pkce is False


def test_settings_read_their_own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_FACEBOOK_API_VERSION", "v24.0")
    monkeypatch.setenv("LSA_FACEBOOK_CLIENT_ID", "real-app")
    settings = facebook.Settings()
    assert settings.api_version == "v24.0"
    assert settings.client_id == "real-app"
    url = facebook.build(None, emulator_url=None, settings=settings).authorization_url(  # type: ignore[arg-type]
        state="s", redirect_uri=REDIRECT_URI
    )
    assert url.startswith("https://www.facebook.com/v24.0/dialog/oauth?client_id=real-app")


async def test_connect_gives_a_page_token_and_keeps_the_user_token(emu: Emu) -> None:
    grant = await connect(emu)
    assert grant.access_token.startswith("EAA")
    assert grant.expires_in is None  # a Page token from a long-lived user token never expires
    assert grant.refresh_token is not None and grant.refresh_token != grant.access_token
    assert grant.refresh_expires_in == LONG_TTL
    assert grant.scopes == SCOPES
    assert grant.platform_user_id == page_id(creator())
    identity = await emu.client.identity(grant.access_token)
    assert identity.platform_user_id == page_id(creator())
    assert identity.username == "steady.creator"
    assert identity.display_name == "Stella Steady"


async def test_a_person_without_a_page_cannot_connect(emu: Emu) -> None:
    with pytest.raises(PlatformError) as raised:
        await connect(emu, "personal_pat")
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert "no Page" in raised.value.message


async def test_code_is_single_use(emu: Emu) -> None:
    url = emu.client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    code = (await consent(emu.http, url))["code"]
    await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    with pytest.raises(PlatformError) as raised:
        await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert raised.value.code == "100/36009"


async def test_permission_or_input_errors_are_not_retried(emu: Emu) -> None:
    url = emu.client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    code = (await consent(emu.http, url))["code"]
    calls = emu.client.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI + "/other")
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert raised.value.code == "100/36008"
    assert emu.client.http.calls - calls == 1


async def test_a_wrong_client_secret_is_not_mistaken_for_an_outage() -> None:
    settings = facebook.Settings(client_secret=SecretStr("wrong"), max_retries=3)
    async with emulated(settings) as emu:
        url = emu.client.authorization_url(state="s", redirect_uri=REDIRECT_URI)
        code = (await consent(emu.http, url))["code"]
        with pytest.raises(PlatformError) as raised:
            await emu.client.exchange_code(code=code, redirect_uri=REDIRECT_URI)
        assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
        assert raised.value.message == "Error validating client secret."
        assert emu.client.http.calls == 1


async def test_refresh_derives_a_new_page_token_and_renews_the_user_token(emu: Emu) -> None:
    grant = await connect(emu)
    refreshed = await emu.client.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    assert refreshed.access_token != grant.access_token
    assert refreshed.expires_in is None
    assert refreshed.refresh_token is not None and refreshed.refresh_token != grant.refresh_token
    assert refreshed.refresh_expires_in == LONG_TTL
    assert refreshed.platform_user_id == grant.platform_user_id
    assert (await emu.client.identity(refreshed.access_token)).username == "steady.creator"


async def test_refresh_without_a_user_token_requires_reauthorization(emu: Emu) -> None:
    grant = await connect(emu)
    with pytest.raises(PlatformError) as raised:
        await emu.client.refresh(access_token=grant.access_token, refresh_token=None)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED


async def test_revoke_deauthorizes_every_token(emu: Emu) -> None:
    grant = await connect(emu)
    assert await emu.client.revoke(access_token=grant.access_token) is False  # Page token only
    assert await emu.client.revoke(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    with pytest.raises(PlatformError) as raised:
        await emu.client.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert raised.value.code == "190/458"
    with pytest.raises(PlatformError) as refused:
        await emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert refused.value.error_class is ErrorClass.REAUTH_REQUIRED


# --- Data -------------------------------------------------------------------------------------


async def test_snapshot_equals_the_emulator_numbers(emu: Emu) -> None:
    grant = await connect(emu)
    page = str(grant.platform_user_id)
    before = len(emu.requests)
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=page)
    # one call for the counters, one per page of posts, one for the insights
    assert len(emu.requests) - before == 1 + 2 + 1
    stella = creator()
    followers = page_followers(stella, TODAY)
    assert snapshot.followers == followers
    assert snapshot.following is None and snapshot.posts is None  # Pages have neither
    assert snapshot.views == page_metric_value(stella, "page_media_view", TODAY)
    assert snapshot.reach == page_metric_value(stella, "page_total_media_view_unique", TODAY)
    assert snapshot.platform_metrics == {
        "fan_count": float(fan_count(stella, TODAY)),
        "page_post_engagements": float(page_metric_value(stella, "page_post_engagements", TODAY)),
        "page_views_total": float(page_metric_value(stella, "page_views_total", TODAY)),
        "page_daily_follows_unique": float(
            page_metric_value(stella, "page_daily_follows_unique", TODAY)
        ),
    }
    assert snapshot.missing_metrics == []
    assert snapshot.engagement_formula == facebook.ENGAGEMENT_FORMULA

    settings = emu.client.settings
    total = posts_published(stella, TODAY)
    assert len(snapshot.recent_items) == min(total, settings.page_size * settings.max_pages)
    ids = [i.item_id for i in snapshot.recent_items]
    assert len(set(ids)) == len(ids)
    newest = snapshot.recent_items[0]
    stats, factor = post_stats(stella, total - 1, TODAY), audience_factor(stella)
    assert newest.likes == round(stats.likes * factor)
    assert newest.comments == round(stats.comments * factor)
    assert newest.shares == round(stats.shares * factor)
    expected = (newest.likes + newest.comments + newest.shares) / followers * 100
    assert newest.engagement_rate == pytest.approx(expected, abs=1e-4)
    rates = [i.engagement_rate for i in snapshot.recent_items if i.engagement_rate is not None]
    assert len(rates) == len(snapshot.recent_items)
    assert snapshot.engagement_rate == pytest.approx(sum(rates) / len(rates), abs=1e-4)


async def test_new_page_with_no_followers(emu: Emu) -> None:
    grant = await connect(emu, "new_nina")
    snapshot = await emu.client.fetch_snapshot(
        grant.access_token, account_id=str(grant.platform_user_id)
    )
    assert snapshot.followers == 0
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None  # unknown without posts and followers, not 0
    # Page insights need 100 followers: they are unavailable (None), not refused
    assert snapshot.views is None and snapshot.reach is None
    assert snapshot.missing_metrics == []
    history = await emu.client.fetch_history(
        grant.access_token, account_id=str(grant.platform_user_id), days=30
    )
    assert history == []


async def test_history_is_backfilled_in_90_day_windows(emu: Emu) -> None:
    grant = await connect(emu)
    page = str(grant.platform_user_id)
    before = len(emu.asked("/insights"))
    history = await emu.client.fetch_history(grant.access_token, account_id=page, days=200)
    assert len(emu.asked("/insights")) - before == 3  # 90 + 90 + 20 days
    assert [p.day for p in history] == [TODAY - timedelta(days=199 - i) for i in range(200)]
    stella = creator()
    for point in history:
        assert point.followers == page_followers(stella, point.day)
        gained = page_followers(stella, point.day) - page_followers(
            stella, point.day - timedelta(1)
        )
        assert point.followers_gained == max(0, gained)


async def test_history_is_capped_at_two_years(emu: Emu) -> None:
    grant = await connect(emu)
    history = await emu.client.fetch_history(
        grant.access_token, account_id=str(grant.platform_user_id), days=5000
    )
    assert len(history) == facebook.INSIGHTS_RETENTION_DAYS
    assert history[-1].day == TODAY


# --- Error classes ----------------------------------------------------------------------------


async def test_expired_token_is_token_expired_and_cannot_be_refreshed(emu: Emu) -> None:
    grant = await connect(emu)
    page = str(grant.platform_user_id)
    await add_fault(emu.http, kind="expire_tokens", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id=page)
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED
    assert raised.value.code == "190/463"
    with pytest.raises(PlatformError) as refused:  # the user token expired with it
        await emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert refused.value.error_class is ErrorClass.REAUTH_REQUIRED


async def test_revoked_session_requires_reauthorization(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="revoke", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert raised.value.code == "190/460"


async def test_page_rate_limit_waits_the_business_use_case_estimate(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="rate_limit", count=5, retry_after=120)
    calls = emu.client.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.client.fetch_snapshot(grant.access_token, account_id=str(grant.platform_user_id))
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.code == "32"
    assert raised.value.retry_after == 120.0  # estimated_time_to_regain_access: 2 minutes
    assert emu.client.http.calls - calls == 1


async def test_user_rate_limit_without_a_hint_waits_the_default(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="rate_limit", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.client.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.code == "17"
    assert raised.value.retry_after == DEFAULT_RATE_LIMIT_WAIT


async def test_server_error_burst_is_retried_transparently(emu: Emu) -> None:
    grant = await connect(emu)
    page = str(grant.platform_user_id)
    calls = emu.client.http.calls
    clean = await emu.client.fetch_snapshot(grant.access_token, account_id=page)
    clean_calls = emu.client.http.calls - calls
    await add_fault(emu.http, kind="server_error", count=2)
    calls = emu.client.http.calls
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=page)
    assert emu.client.http.calls - calls == clean_calls + 2
    assert snapshot == clean
    assert (await emu.http.get("/_emulator/faults")).json() == {"faults": []}


async def test_server_errors_beyond_the_retry_budget_surface_as_transient() -> None:
    async with emulated(facebook.Settings(max_retries=1)) as emu:
        grant = await connect(emu)
        await add_fault(emu.http, kind="server_error", count=5)
        calls = emu.client.http.calls
        with pytest.raises(PlatformError) as raised:
            await emu.client.identity(grant.access_token)
        assert raised.value.error_class is ErrorClass.TRANSIENT
        assert emu.client.http.calls - calls == 2


async def test_retired_metric_is_reported_and_not_asked_again(emu: Emu) -> None:
    grant = await connect(emu)
    page = str(grant.platform_user_id)
    await add_fault(emu.http, kind="retire_metric", metric="page_views_total")
    snapshot = await emu.client.fetch_snapshot(grant.access_token, account_id=page)
    assert snapshot.missing_metrics == ["insights.page_views_total"]
    assert "page_views_total" not in snapshot.platform_metrics
    assert "page_post_engagements" in snapshot.platform_metrics
    assert snapshot.views is not None and snapshot.reach is not None

    before = len(emu.asked("/insights"))
    again = await emu.client.fetch_snapshot(grant.access_token, account_id=page)
    asked = emu.asked("/insights")[before:]
    assert len(asked) == 1  # straight to the metrics still served
    assert "page_views_total" not in asked[0].url.params["metric"]
    assert again.missing_metrics == ["insights.page_views_total"]


async def test_retired_page_field_is_reported_and_the_rest_kept(emu: Emu) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="retire_metric", metric="fan_count")
    snapshot = await emu.client.fetch_snapshot(
        grant.access_token, account_id=str(grant.platform_user_id)
    )
    assert snapshot.missing_metrics == ["page.fan_count"]
    assert snapshot.followers == page_followers(creator(), TODAY)
    assert "fan_count" not in snapshot.platform_metrics


async def test_missing_read_insights_permission_reports_every_insight() -> None:
    settings = facebook.Settings(scopes="pages_show_list,pages_read_engagement")
    async with emulated(settings) as emu:
        grant = await connect(emu)
        snapshot = await emu.client.fetch_snapshot(
            grant.access_token, account_id=str(grant.platform_user_id)
        )
        assert snapshot.followers == page_followers(creator(), TODAY)
        assert snapshot.missing_metrics == sorted(f"insights.{m}" for m in facebook.PAGE_METRICS)


# --- Recorded-shape fixtures ------------------------------------------------------------------


def fixture(name: str) -> httpx.Response:
    recorded = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return httpx.Response(recorded["status"], headers=recorded["headers"], json=recorded["body"])


def routed(routes: dict[str, str]) -> httpx.AsyncClient:
    """A client answering each request with the fixture routed by its path suffix (and grant)."""

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.path.split("/v23.0/", 1)[-1]
        if key == "oauth/access_token":
            key += ":" + ("long" if "fb_exchange_token" in request.url.params else "code")
        name = routes.get(key)
        if name is None:
            return fixture("error_unknown")
        response = fixture(name)
        response.request = request
        return response

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


def classify_fixture(name: str, path: str = "/v23.0/104381234567890") -> PlatformError:
    response = fixture(name)
    response.request = httpx.Request("GET", f"https://graph.facebook.com{path}")
    return facebook.graph_classifier(facebook.PLATFORM)(response)


PAGE = "104381234567890"


async def test_fixture_snapshot_mapping() -> None:
    routes = {PAGE: "page", f"{PAGE}/posts": "posts", f"{PAGE}/insights": "insights_day"}
    async with routed(routes) as http:
        client = facebook.build(http, emulator_url=None)
        snapshot = await client.fetch_snapshot("EAAFIXTUREPAGE", account_id=PAGE)
    assert snapshot.followers == 8889
    assert snapshot.views == 2210 and snapshot.reach == 1301
    assert snapshot.platform_metrics == {
        "fan_count": 7937.0,
        "page_post_engagements": 187.0,
        "page_daily_follows_unique": 42.0,
    }  # page_views_total came back without values: unknown, not 0
    first, second = snapshot.recent_items
    assert (first.likes, first.comments, first.shares) == (152, 5, 9)
    assert first.engagement_rate == pytest.approx((152 + 5 + 9) / 8889 * 100, abs=1e-4)
    assert first.published_at == datetime(2026, 11, 19, 8, 34, 15, tzinfo=UTC)
    assert first.caption == "New series starts today 👇"
    assert (second.likes, second.comments, second.shares) == (40, 0, 0)  # never shared
    assert second.caption is None
    assert snapshot.engagement_rate == pytest.approx(
        (first.engagement_rate + second.engagement_rate) / 2,  # type: ignore[operator]
        abs=1e-4,
    )


async def test_fixture_history_and_empty_insights() -> None:
    async with routed({f"{PAGE}/insights": "insights_history"}) as http:
        client = facebook.build(http, emulator_url=None)
        client.clock = pinned_clock()
        history = await client.fetch_history("EAAFIXTUREPAGE", account_id=PAGE, days=2)
    assert [(p.day, p.followers, p.followers_gained) for p in history] == [
        (date(2026, 11, 19), 8847, 28),
        (date(2026, 11, 20), 8889, 42),
    ]
    async with routed({f"{PAGE}/insights": "insights_empty"}) as http:
        client = facebook.build(http, emulator_url=None)
        assert await client.fetch_history("EAAFIXTUREPAGE", account_id=PAGE, days=400) == []


async def test_fixture_connect_picks_the_first_page_and_the_granted_scopes() -> None:
    routes = {
        "oauth/access_token:code": "token_code",
        "oauth/access_token:long": "token_long_without_expiry",
        "me/permissions": "permissions",
        "me/accounts": "accounts",
    }
    async with routed(routes) as http:
        client = facebook.build(http, emulator_url=None)
        grant = await client.exchange_code(code="AQ-code", redirect_uri=REDIRECT_URI)
    assert grant.access_token == "EAAFIXTUREPAGE"
    assert grant.platform_user_id == PAGE
    assert grant.refresh_token == "EAAFIXTURELONG"
    assert grant.refresh_expires_in is None  # the answer gave none: never a made-up constant
    assert grant.scopes == ("pages_show_list", "pages_read_engagement", "public_profile")


async def test_fixture_connect_without_pages_is_refused() -> None:
    routes = {
        "oauth/access_token:code": "token_code",
        "oauth/access_token:long": "token_long",
        "me/permissions": "permissions",
        "me/accounts": "accounts_empty",
    }
    async with routed(routes) as http:
        client = facebook.build(http, emulator_url=None)
        with pytest.raises(PlatformError) as raised:
            await client.exchange_code(code="AQ-code", redirect_uri=REDIRECT_URI)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT


@pytest.mark.parametrize(
    ("name", "error_class", "code", "retry_after"),
    [
        ("error_token_expired", ErrorClass.TOKEN_EXPIRED, "190/463", None),
        ("error_deauthorized", ErrorClass.REAUTH_REQUIRED, "190/458", None),
        ("error_page_rate_limit", ErrorClass.RATE_LIMITED, "32", 7 * 60.0),
        ("error_user_rate_limit", ErrorClass.RATE_LIMITED, "17", DEFAULT_RATE_LIMIT_WAIT),
        ("error_retired_metric", ErrorClass.PERMISSION_OR_INPUT, "100", None),
        ("error_code_used", ErrorClass.PERMISSION_OR_INPUT, "100/36009", None),
        ("error_unknown", ErrorClass.TRANSIENT, "1", None),
    ],
)
def test_fixture_errors_are_classified(
    name: str, error_class: ErrorClass, code: str, retry_after: float | None
) -> None:
    error = classify_fixture(name)
    assert error.error_class is error_class
    assert error.code == code
    assert error.retry_after == retry_after
    assert error.platform is facebook.PLATFORM


def test_code_1_is_transient_except_a_bad_secret_at_the_token_endpoint() -> None:
    at_token = classify_fixture("error_client_secret", "/v23.0/oauth/access_token")
    assert at_token.error_class is ErrorClass.PERMISSION_OR_INPUT
    elsewhere = classify_fixture("error_client_secret", f"/v23.0/{PAGE}")
    assert elsewhere.error_class is ErrorClass.TRANSIENT
    outage = classify_fixture("error_unknown", "/v23.0/oauth/access_token")
    assert outage.error_class is ErrorClass.TRANSIENT  # HTTP 500: still an outage
