"""LinkedInClient against the in-process emulator and against recorded (documented) answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from emulator.app import create_app
from emulator.creators import (
    CREATORS_BY_KEY,
    followers,
    new_followers,
    posts_published,
)
from emulator.linkedin.data import day_counts, parse_post_urn, person_id, post_counts
from emulator.settings import EmulatorSettings
from shared import clock
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.linkedin import (
    ENGAGEMENT_FORMULA,
    QUERY_TYPES,
    LinkedInClient,
    Settings,
    build,
    classify,
    seconds_to_utc_midnight,
)
from tests.unit.support import clear_lsa_env

TODAY = date(2026, 11, 20)
EMULATOR_URL = "http://emulator"
REDIRECT_URI = "https://app.example.test/api/portal/social/callback/linkedin"
ACCESS_TTL = 4_321_000  # not the emulator's default: expires_in must come from the answer
FIXTURES = Path(__file__).parent / "fixtures" / "linkedin"
STEADY = CREATORS_BY_KEY["steady_creator"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


@dataclass
class Emulated:
    app: FastAPI
    http: httpx.AsyncClient
    linkedin: LinkedInClient


@asynccontextmanager
async def emulated(settings: Settings | None = None, **emulator: object) -> AsyncIterator[Emulated]:
    options: dict[str, object] = {"today": TODAY, "linkedin_access_token_ttl_s": ACCESS_TTL}
    app = create_app(EmulatorSettings(**{**options, **emulator}))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_URL) as http:
        client = build(http, emulator_url=EMULATOR_URL, settings=settings or Settings())
        client.today = lambda: TODAY
        yield Emulated(app=app, http=http, linkedin=client)


@pytest.fixture
async def emu() -> AsyncIterator[Emulated]:
    async with emulated() as e:
        yield e


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def consent(
    emu: Emulated, account: str = "steady_creator", decision: str = "approve"
) -> dict[str, str]:
    url = emu.linkedin.authorization_url(state="st-1", redirect_uri=REDIRECT_URI)
    form = {**query_of(url), "account": account, "decision": decision}
    response = await emu.http.post(urlsplit(url).path, data=form)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])


async def connect(emu: Emulated, account: str = "steady_creator") -> TokenGrant:
    answer = await consent(emu, account)
    assert answer["state"] == "st-1"
    return await emu.linkedin.exchange_code(code=answer["code"], redirect_uri=REDIRECT_URI)


async def add_fault(http: httpx.AsyncClient, **spec: object) -> None:
    response = await http.post("/_emulator/faults", json={"platform": "linkedin", **spec})
    assert response.status_code == 200, response.text


def with_posts(**overrides: object) -> Settings:
    return Settings(list_posts=True, **overrides)  # type: ignore[arg-type]


# --- OAuth -------------------------------------------------------------------------------------


def test_authorization_url_goes_through_the_emulator() -> None:
    client = build(None, emulator_url="http://emu:9000/", settings=with_posts())  # type: ignore[arg-type]
    url = client.authorization_url(state="abc", redirect_uri=REDIRECT_URI, code_challenge="x")
    assert url.startswith("http://emu:9000/www.linkedin.com/oauth/v2/authorization?")
    query = query_of(url)
    assert query["response_type"] == "code"
    assert query["state"] == "abc"
    assert query["scope"] == (
        "openid profile r_member_profileAnalytics r_member_postAnalytics r_member_social"
    )
    assert "code_challenge" not in query  # no PKCE for LinkedIn web apps
    assert client.supports_pkce is False
    assert client.token_endpoint == "http://emu:9000/www.linkedin.com/oauth/v2/accessToken"
    assert client.api == "http://emu:9000/api.linkedin.com"
    plain = build(None, emulator_url=None)  # type: ignore[arg-type]
    assert (
        "r_member_social"
        not in query_of(plain.authorization_url(state="s", redirect_uri="x"))["scope"]
    )


async def test_exchange_code(emu: Emulated) -> None:
    grant = await connect(emu)
    assert grant.access_token.startswith("AQV")
    assert grant.expires_in == ACCESS_TTL
    assert grant.refresh_token is None  # only approved partners get refresh tokens
    assert grant.scopes == (
        "openid",
        "profile",
        "r_member_profileAnalytics",
        "r_member_postAnalytics",
    )


async def test_denied_consent_returns_user_cancelled_authorize(emu: Emulated) -> None:
    answer = await consent(emu, decision="deny")
    assert answer["error"] == "user_cancelled_authorize"
    assert answer["state"] == "st-1"


async def test_code_is_single_use(emu: Emulated) -> None:
    code = (await consent(emu))["code"]
    await emu.linkedin.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    calls = emu.linkedin.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.linkedin.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert raised.value.code == "invalid_request"
    assert emu.linkedin.http.calls - calls == 1  # not retried


async def test_refresh_without_a_refresh_token_requires_reconnecting(emu: Emulated) -> None:
    grant = await connect(emu)
    calls = emu.linkedin.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.linkedin.refresh(access_token=grant.access_token, refresh_token=None)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert emu.linkedin.http.calls == calls  # nothing to ask LinkedIn


async def test_partner_refresh_does_not_extend_the_refresh_token() -> None:
    async with emulated(linkedin_issue_refresh_tokens=True) as emu:
        grant = await connect(emu)
        assert grant.refresh_token is not None
        assert grant.refresh_expires_in == 31536000
        start = clock.now().timestamp()
        emu.app.state.core.clock = lambda: start + 59 * 86400
        refreshed = await emu.linkedin.refresh(
            access_token=grant.access_token, refresh_token=grant.refresh_token
        )
        assert refreshed.access_token != grant.access_token
        assert refreshed.expires_in == ACCESS_TTL
        assert refreshed.refresh_token == grant.refresh_token  # LinkedIn does not rotate it
        assert refreshed.refresh_expires_in is not None
        assert 306 * 86400 - 5 <= refreshed.refresh_expires_in <= 306 * 86400
        identity = await emu.linkedin.identity(refreshed.access_token)
        assert identity.platform_user_id == person_id(STEADY)


async def test_refresh_after_revocation_requires_reconnecting() -> None:
    async with emulated(linkedin_issue_refresh_tokens=True) as emu:
        grant = await connect(emu)
        await add_fault(emu.http, kind="revoke", account="steady_creator")
        with pytest.raises(PlatformError) as raised:
            await emu.linkedin.refresh(
                access_token=grant.access_token, refresh_token=grant.refresh_token
            )
        assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
        assert raised.value.code == "invalid_grant"


async def test_revoke(emu: Emulated) -> None:
    grant = await connect(emu)
    assert await emu.linkedin.revoke(access_token=grant.access_token) is True
    with pytest.raises(PlatformError) as raised:
        await emu.linkedin.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED
    assert raised.value.code == "REVOKED_ACCESS_TOKEN"


# --- data --------------------------------------------------------------------------------------


async def test_identity(emu: Emulated) -> None:
    grant = await connect(emu)
    identity = await emu.linkedin.identity(grant.access_token)
    assert identity.platform_user_id == person_id(STEADY)
    assert identity.username == "Stella Steady"  # no public handle through the API
    assert identity.display_name == "Stella Steady"


async def test_snapshot_without_post_listing(emu: Emulated) -> None:
    grant = await connect(emu)
    snapshot = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
    yesterday = day_counts(STEADY, TODAY - timedelta(days=1))
    assert snapshot.followers == followers(STEADY, TODAY)
    assert snapshot.views == yesterday["IMPRESSION"]
    assert snapshot.reach == yesterday["MEMBERS_REACHED"]
    assert snapshot.platform_metrics == {
        "reactions": yesterday["REACTION"],
        "comments": yesterday["COMMENT"],
        "reshares": yesterday["RESHARE"],
    }
    interactions = yesterday["REACTION"] + yesterday["COMMENT"] + yesterday["RESHARE"]
    assert snapshot.engagement_rate == pytest.approx(
        100 * interactions / followers(STEADY, TODAY), abs=1e-4
    )
    assert snapshot.engagement_formula == ENGAGEMENT_FORMULA
    assert snapshot.recent_items == []
    assert snapshot.posts is None and snapshot.following is None  # LinkedIn gives neither
    assert snapshot.missing_metrics == []


class InFlight(httpx.AsyncBaseTransport):
    """Counts how many requests are in flight at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.now, self.most = inner, 0, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1


async def test_the_daily_totals_go_out_together() -> None:
    """One queryType per call is the API's rule; the five calls need not wait for each other."""
    async with emulated(latency_ms=20) as emu:
        grant = await connect(emu)
        counting = InFlight(httpx.ASGITransport(app=emu.app))
        async with httpx.AsyncClient(transport=counting, base_url=EMULATOR_URL) as http:
            client = build(http, emulator_url=EMULATOR_URL, settings=Settings())
            client.today = lambda: TODAY
            snapshot = await client.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
    assert snapshot.views == day_counts(STEADY, TODAY - timedelta(days=1))["IMPRESSION"]
    assert counting.most == len(QUERY_TYPES)


async def test_full_snapshot_with_posts() -> None:
    settings = with_posts(page_size=7, max_pages=2, analytics_posts_limit=3)
    async with emulated(settings) as emu:
        grant = await connect(emu)
        snapshot = await emu.linkedin.fetch_snapshot(
            grant.access_token, account_id=person_id(STEADY)
        )
    count = followers(STEADY, TODAY)
    assert snapshot.followers == count
    assert len(snapshot.recent_items) == 14
    ids = [item.item_id for item in snapshot.recent_items]
    assert len(set(ids)) == 14  # pages do not overlap
    indices = [found[1] for i in ids if (found := parse_post_urn(i)) is not None]
    newest = posts_published(STEADY, TODAY) - 1
    assert indices == list(range(newest, newest - 14, -1))
    published = [item.published_at for item in snapshot.recent_items]
    assert published == sorted(published, reverse=True)  # type: ignore[type-var]
    for item, index in zip(snapshot.recent_items[:3], indices, strict=False):
        expected = post_counts(STEADY, index, TODAY)
        assert (item.views, item.reach) == (expected["IMPRESSION"], expected["MEMBERS_REACHED"])
        assert (item.likes, item.comments, item.shares) == (
            expected["REACTION"],
            expected["COMMENT"],
            expected["RESHARE"],
        )
        interactions = expected["REACTION"] + expected["COMMENT"] + expected["RESHARE"]
        assert item.engagement_rate == pytest.approx(100 * interactions / count, abs=1e-4)
        assert item.url == f"https://www.linkedin.com/feed/update/{item.item_id}/"
        assert item.kind == ("video" if item.item_id.startswith("urn:li:ugcPost:") else "post")
    beyond = snapshot.recent_items[3]  # past the analytics limit: unknown, not zero
    assert beyond.views is None and beyond.likes is None and beyond.engagement_rate is None
    rates = [i.engagement_rate for i in snapshot.recent_items[:3]]
    assert snapshot.engagement_rate == pytest.approx(
        sum(r for r in rates if r is not None) / 3, abs=1e-4
    )


async def test_new_member_has_zero_followers_and_no_rate() -> None:
    async with emulated(with_posts()) as emu:
        grant = await connect(emu, "new_nina")
        nina = CREATORS_BY_KEY["new_nina"]
        snapshot = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(nina))
    assert snapshot.followers == 0
    assert snapshot.recent_items == []
    assert snapshot.views == 0
    assert snapshot.engagement_rate is None  # no follower base: unknown, not 0


async def test_fetch_history(emu: Emulated) -> None:
    grant = await connect(emu)
    points = await emu.linkedin.fetch_history(
        grant.access_token, account_id=person_id(STEADY), days=30
    )
    assert len(points) == 30
    assert points[0].day == TODAY - timedelta(days=30)
    assert points[-1].day == TODAY - timedelta(days=1)
    for point in points:
        assert point.followers_gained == new_followers(STEADY, point.day)
        counts = day_counts(STEADY, point.day)
        assert point.metrics == {
            "views": counts["IMPRESSION"],
            "reactions": counts["REACTION"],
            "comments": counts["COMMENT"],
            "reshares": counts["RESHARE"],
        }


# --- error classes -----------------------------------------------------------------------------


async def fetch(emu: Emulated, token: str) -> object:
    return await emu.linkedin.fetch_snapshot(token, account_id=person_id(STEADY))


async def test_expired_token_is_token_expired(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="expire_tokens", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await fetch(emu, grant.access_token)
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED
    assert raised.value.code == "EXPIRED_ACCESS_TOKEN"


async def test_revoked_token_requires_reauthorization(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="revoke", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await fetch(emu, grant.access_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED


async def test_rate_limit_with_retry_after(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="rate_limit", count=5, retry_after=90)
    calls = emu.linkedin.http.calls
    with pytest.raises(PlatformError) as raised:
        await fetch(emu, grant.access_token)
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.retry_after == 90.0
    assert emu.linkedin.http.calls - calls == 1


async def test_daily_quota_waits_until_utc_midnight(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="quota_exhausted")
    with pytest.raises(PlatformError) as raised:
        await fetch(emu, grant.access_token)
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.retry_after is not None
    assert abs(raised.value.retry_after - seconds_to_utc_midnight()) < 5


async def test_server_error_burst_is_retried_transparently(emu: Emulated) -> None:
    grant = await connect(emu)
    calls = emu.linkedin.http.calls
    clean = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
    clean_calls = emu.linkedin.http.calls - calls
    await add_fault(emu.http, kind="server_error", count=2)
    calls = emu.linkedin.http.calls
    snapshot = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
    assert emu.linkedin.http.calls - calls == clean_calls + 2
    assert snapshot == clean
    assert (await emu.http.get("/_emulator/faults")).json() == {"faults": []}


async def test_server_errors_beyond_the_retry_budget_are_transient() -> None:
    async with emulated(Settings(max_retries=1)) as emu:
        grant = await connect(emu)
        await add_fault(emu.http, kind="server_error", count=5)
        calls = emu.linkedin.http.calls
        with pytest.raises(PlatformError) as raised:
            await emu.linkedin.identity(grant.access_token)
        assert raised.value.error_class is ErrorClass.TRANSIENT
        assert emu.linkedin.http.calls - calls == 2


async def test_retired_api_version_is_permission_or_input_and_not_retried() -> None:
    async with emulated(Settings(api_version="202510")) as emu:
        grant = await connect(emu)
        calls = emu.linkedin.http.calls
        with pytest.raises(PlatformError) as raised:
            await fetch(emu, grant.access_token)
        assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT
        assert raised.value.status == 426
        assert "LSA_LINKEDIN_API_VERSION" in raised.value.message
        assert emu.linkedin.http.calls - calls == 1


async def test_posts_without_r_member_social_are_reported_missing_once() -> None:
    async with emulated(with_posts()) as emu:
        # The app was not approved for the restricted scope: the member granted the rest only.
        plain = build(emu.http, emulator_url=EMULATOR_URL)
        url = plain.authorization_url(state="s", redirect_uri=REDIRECT_URI)
        form = {**query_of(url), "account": "steady_creator", "decision": "approve"}
        location = (await emu.http.post(urlsplit(url).path, data=form)).headers["location"]
        code = query_of(location)["code"]
        grant = await plain.exchange_code(code=code, redirect_uri=REDIRECT_URI)
        assert "r_member_social" not in grant.scopes
        calls = emu.linkedin.http.calls
        first = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
        first_calls = emu.linkedin.http.calls - calls
        assert first.missing_metrics == ["posts.list"]
        assert first.followers == followers(STEADY, TODAY)
        assert first.views is not None
        assert first.recent_items == []
        calls = emu.linkedin.http.calls
        second = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
        assert second.missing_metrics == ["posts.list"]
        assert emu.linkedin.http.calls - calls == first_calls - 1  # not asked again


async def test_retired_metric_is_reported_and_not_asked_again() -> None:
    async with emulated(with_posts(analytics_posts_limit=3)) as emu:
        grant = await connect(emu)
        await add_fault(emu.http, kind="retire_metric", metric="MEMBERS_REACHED")
        calls = emu.linkedin.http.calls
        first = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
        first_calls = emu.linkedin.http.calls - calls
        assert first.missing_metrics == ["account.MEMBERS_REACHED", "post.MEMBERS_REACHED"]
        assert first.reach is None
        assert first.views is not None
        assert all(item.reach is None for item in first.recent_items)
        assert first.recent_items[0].views is not None
        assert first.recent_items[0].likes is not None
        calls = emu.linkedin.http.calls
        second = await emu.linkedin.fetch_snapshot(grant.access_token, account_id=person_id(STEADY))
        assert second.missing_metrics == first.missing_metrics
        # Refused once per account (one post call, one account call); never asked again.
        assert emu.linkedin.http.calls - calls == first_calls - 2


# --- recorded answers --------------------------------------------------------------------------


def fixture(name: str) -> object:
    loaded: object = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def response(status: int, name: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=fixture(name), headers=headers)


@pytest.mark.parametrize(
    ("status", "name", "expected", "code"),
    [
        (401, "error_expired_token", ErrorClass.TOKEN_EXPIRED, "EXPIRED_ACCESS_TOKEN"),
        (401, "error_expired_token_legacy", ErrorClass.TOKEN_EXPIRED, "65601"),
        (401, "error_revoked_token", ErrorClass.REAUTH_REQUIRED, "REVOKED_ACCESS_TOKEN"),
        (401, "error_invalid_token", ErrorClass.REAUTH_REQUIRED, "INVALID_ACCESS_TOKEN"),
        (403, "error_access_denied", ErrorClass.PERMISSION_OR_INPUT, "ACCESS_DENIED"),
        (426, "error_nonexistent_version", ErrorClass.PERMISSION_OR_INPUT, "NONEXISTENT_VERSION"),
        (400, "error_version_missing", ErrorClass.PERMISSION_OR_INPUT, "VERSION_MISSING"),
        (400, "error_invalid_query_type", ErrorClass.PERMISSION_OR_INPUT, None),
        (500, "error_server", ErrorClass.TRANSIENT, "INTERNAL_SERVER_ERROR"),
        (400, "oauth_invalid_grant", ErrorClass.REAUTH_REQUIRED, "invalid_grant"),
        (400, "oauth_invalid_request", ErrorClass.PERMISSION_OR_INPUT, "invalid_request"),
    ],
)
def test_recorded_errors_are_classified(
    status: int, name: str, expected: ErrorClass, code: str | None
) -> None:
    error = classify(response(status, name))
    assert error.error_class is expected
    assert error.code == code
    assert error.status == status
    if "version" in name:
        assert "LSA_LINKEDIN_API_VERSION" in error.message
    if name == "error_invalid_query_type":
        assert "queryType" in error.message


def test_rate_limit_waits_for_retry_after_or_utc_midnight() -> None:
    now = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    without = classify(response(429, "error_throttled"), now=now)
    assert without.error_class is ErrorClass.RATE_LIMITED
    assert without.retry_after == 90 * 60
    with_header = classify(response(429, "error_throttled", {"Retry-After": "120"}), now=now)
    assert with_header.retry_after == 120.0
    bare = classify(httpx.Response(502, text="<html>bad gateway</html>"))
    assert bare.error_class is ErrorClass.TRANSIENT


def recorded_api(version: str = "string") -> Callable[[httpx.Request], httpx.Response]:
    """LinkedIn as recorded: answers by resource and finder, from the fixture files."""
    analytics = {"string": "analytics_total_string", "union": "analytics_total_union"}[version]

    def handler(request: httpx.Request) -> httpx.Response:
        path, query = request.url.path, parse_qs(request.url.query.decode())
        if path.endswith("/v2/userinfo"):
            return response(200, "userinfo")
        assert request.headers["LinkedIn-Version"] == "202610"
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
        if path.endswith("/rest/memberFollowersCount"):
            return response(200, "followers_me" if query["q"] == ["me"] else "followers_date_range")
        if path.endswith("/rest/posts"):
            assert query["author"] == ["urn:li:person:782bbtaQ"]
            assert request.headers["X-RestLi-Method"] == "FINDER"
            return response(200, "posts_author")
        if path.endswith("/rest/memberCreatorPostAnalytics"):
            if query["aggregation"] == ["DAILY"]:
                return response(
                    200,
                    "analytics_daily"
                    if query["queryType"] == ["IMPRESSION"]
                    else "analytics_empty",
                )
            if query["queryType"] == ["RESHARE"]:
                return response(200, "analytics_empty")  # no data: unknown, not 0
            body = json.loads(json.dumps(fixture(analytics)))
            element = body["elements"][0]
            name = query["queryType"][0]
            if isinstance(element["metricType"], dict):
                element["metricType"] = {next(iter(element["metricType"])): name}
            else:
                element["metricType"] = name
            return httpx.Response(200, json=body)
        return httpx.Response(404, json={"status": 404, "message": "not found"})

    return handler


@asynccontextmanager
async def recorded(version: str = "string") -> AsyncIterator[LinkedInClient]:
    transport = httpx.MockTransport(recorded_api(version))
    async with httpx.AsyncClient(transport=transport) as http:
        yield build(http, emulator_url=None, settings=with_posts())


@pytest.mark.parametrize("version", ["string", "union"])
async def test_recorded_snapshot(version: str) -> None:
    async with recorded(version) as client:
        identity = await client.identity("token")
        assert (identity.platform_user_id, identity.username) == ("782bbtaQ", "John Doe")
        snapshot = await client.fetch_snapshot("token", account_id=identity.platform_user_id)
    count = 1204 if version == "string" else 2
    assert snapshot.followers == 961
    assert snapshot.views == count and snapshot.reach == count
    assert snapshot.platform_metrics == {"reactions": count, "comments": count}  # no reshares
    video, share = snapshot.recent_items
    assert (video.kind, share.kind) == ("video", "post")
    assert video.published_at == datetime.fromtimestamp(1715000100, UTC)
    assert share.published_at == datetime.fromtimestamp(1714900000, UTC)  # createdAt fallback
    assert video.shares is None  # an empty answer is unknown, not 0
    assert video.engagement_rate == pytest.approx(100 * 2 * count / 961, abs=1e-4)
    assert snapshot.missing_metrics == []


async def test_recorded_history() -> None:
    async with recorded() as client:
        points = await client.fetch_history("token", account_id="782bbtaQ", days=3)
    assert [(p.day, p.followers_gained) for p in points] == [
        (date(2024, 5, 4), 3),
        (date(2024, 5, 5), 0),
        (date(2024, 5, 6), 12),
    ]
    assert points[0].metrics == {"views": 310.0}
    assert points[1].metrics == {"views": 95.0}
    assert points[2].metrics == {}


def test_recorded_token_answers() -> None:
    from shared.platforms.linkedin import token_grant

    plain = token_grant(fixture("token_answer"))
    assert plain.expires_in == 5184000 and plain.refresh_token is None
    assert plain.scopes == (
        "openid",
        "profile",
        "r_member_postAnalytics",
        "r_member_profileAnalytics",
    )
    partner = token_grant(fixture("token_answer_partner"))
    assert partner.refresh_token == "AQWAm3YpDeHtGu6kbgNBzLQ"
    assert partner.refresh_expires_in == 31536000
    assert partner.scopes == ("r_member_postAnalytics", "r_member_profileAnalytics")
    refreshed = token_grant(fixture("refresh_answer"))
    assert refreshed.refresh_expires_in == 26438400  # counts down; refreshing does not extend it
    with pytest.raises(PlatformError) as raised:
        token_grant({"error": "nothing"})
    assert raised.value.error_class is ErrorClass.TRANSIENT
