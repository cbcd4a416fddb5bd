"""XClient against the in-process emulator (OAuth with PKCE, data, error classes) and against
recorded answers shaped as X documents them (fixtures/x/)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from emulator.app import create_app
from emulator.creators import CREATORS_BY_KEY, followers, post_dates, posts_published
from emulator.settings import EmulatorSettings
from emulator.x.data import tweet_object, user_id, user_object
from shared.platforms import x
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from tests.support.clock import TODAY
from tests.unit.support import EMULATOR_URL, clear_lsa_env, consent, query_of

REDIRECT_URI = "https://app.example.test/api/portal/social/callback/x"
ACCESS_TTL = 5400  # not the emulator's default, so expires_in must come from the answer
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp()  # the emulator's TODAY
FIXTURES = Path(__file__).parent / "fixtures" / "x"
STEADY = CREATORS_BY_KEY["steady_creator"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


@dataclass
class Env:
    app: FastAPI
    http: httpx.AsyncClient
    x: x.XClient


@asynccontextmanager
async def emulated(settings: x.Settings | None = None) -> AsyncIterator[Env]:
    app = create_app(EmulatorSettings(today=TODAY, x_access_token_ttl_s=ACCESS_TTL))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_URL) as http:
        client = x.build(http, emulator_url=EMULATOR_URL, settings=settings or x.Settings())
        yield Env(app, http, client)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with emulated() as e:
        yield e


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def authorize(env: Env, account: str = "steady_creator") -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    url = env.x.authorization_url(state="st-1", redirect_uri=REDIRECT_URI, code_challenge=challenge)
    answer = await consent(env.http, url, account=account)
    assert answer["state"] == "st-1"
    return answer["code"], verifier


async def connect(env: Env, account: str = "steady_creator") -> TokenGrant:
    code, verifier = await authorize(env, account)
    return await env.x.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier)


async def add_fault(env: Env, **spec: object) -> None:
    response = await env.http.post("/_emulator/faults", json={"platform": "x", **spec})
    assert response.status_code == 200, response.text


def freeze(env: Env, now: float = NOW) -> None:
    """Pin both clocks: the emulator's (x-rate-limit-reset) and the client's (the wait)."""
    env.app.state.core.clock = lambda: now
    env.x.clock = lambda: now


async def failure(call: Any) -> PlatformError:
    with pytest.raises(PlatformError) as raised:
        await call
    return raised.value


# --- OAuth -------------------------------------------------------------------------------------


def test_authorization_url_goes_through_the_emulator() -> None:
    client = x.build(None, emulator_url="http://emu:9000/")  # type: ignore[arg-type]
    url = client.authorization_url(state="abc", redirect_uri=REDIRECT_URI, code_challenge="ch")
    assert url.startswith("http://emu:9000/x.com/i/oauth2/authorize?")
    query = query_of(url)
    assert query["code_challenge"] == "ch"
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "tweet.read users.read offline.access"
    assert query["state"] == "abc"
    assert client.token_endpoint == "http://emu:9000/api.x.com/2/oauth2/token"
    assert client.api == "http://emu:9000/api.x.com/2"
    assert client.supports_pkce is True
    old = x.build(
        None,  # type: ignore[arg-type]
        emulator_url=None,
        settings=x.Settings(authorize_url="https://twitter.com/i/oauth2/authorize"),
    )
    assert old.authorization_url(
        state="s", redirect_uri=REDIRECT_URI, code_challenge="c"
    ).startswith("https://twitter.com/i/oauth2/authorize?")


async def test_pkce_is_mandatory(env: Env) -> None:
    with pytest.raises(ValueError, match="PKCE"):
        env.x.authorization_url(state="s", redirect_uri=REDIRECT_URI)
    code, _ = await authorize(env)
    with pytest.raises(ValueError, match="PKCE"):
        await env.x.exchange_code(code=code, redirect_uri=REDIRECT_URI)


async def test_connect_with_pkce(env: Env) -> None:
    grant = await connect(env)
    assert grant.expires_in == ACCESS_TTL
    assert grant.refresh_token
    assert grant.refresh_expires_in is None  # X does not say
    assert grant.scopes == ("tweet.read", "users.read", "offline.access")


async def test_wrong_code_verifier_is_refused(env: Env) -> None:
    code, _ = await authorize(env)
    error = await failure(
        env.x.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier="w" * 60)
    )
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.status == 400


async def test_code_is_single_use(env: Env) -> None:
    code, verifier = await authorize(env)
    await env.x.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier)
    error = await failure(
        env.x.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier)
    )
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_refresh_rotates_and_the_old_refresh_token_dies(env: Env) -> None:
    grant = await connect(env)
    refreshed = await env.x.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    assert refreshed.access_token != grant.access_token
    assert refreshed.refresh_token and refreshed.refresh_token != grant.refresh_token
    assert refreshed.expires_in == ACCESS_TTL
    assert (await env.x.identity(refreshed.access_token)).username == "steady_creator"

    reused = await failure(
        env.x.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    )
    assert reused.error_class is ErrorClass.REAUTH_REQUIRED
    assert reused.code == "invalid_request"
    # Reuse broke the chain: the newest refresh token is dead too.
    newest = await failure(
        env.x.refresh(access_token=refreshed.access_token, refresh_token=refreshed.refresh_token)
    )
    assert newest.error_class is ErrorClass.REAUTH_REQUIRED


async def test_refresh_without_a_refresh_token_needs_reauthorization(env: Env) -> None:
    error = await failure(env.x.refresh(access_token="a", refresh_token=None))
    assert error.error_class is ErrorClass.REAUTH_REQUIRED


async def test_revoke_ends_the_grant(env: Env) -> None:
    grant = await connect(env)
    calls = env.x.http.calls
    assert await env.x.revoke(access_token=grant.access_token, refresh_token=grant.refresh_token)
    assert env.x.http.calls - calls == 2
    expired = await failure(env.x.identity(grant.access_token))
    assert expired.error_class is ErrorClass.TOKEN_EXPIRED
    dead = await failure(
        env.x.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    )
    assert dead.error_class is ErrorClass.REAUTH_REQUIRED


async def test_identity(env: Env) -> None:
    grant = await connect(env, "viral_vera")
    identity = await env.x.identity(grant.access_token)
    assert identity.platform_user_id == user_id(CREATORS_BY_KEY["viral_vera"])
    assert identity.username == "viral_vera"
    assert identity.display_name == "Vera Viral"


# --- Data --------------------------------------------------------------------------------------


async def test_fetch_snapshot_equals_the_emulators_numbers(env: Env) -> None:
    grant = await connect(env)
    calls = env.x.http.calls
    snapshot = await env.x.fetch_snapshot(grant.access_token, account_id=user_id(STEADY))
    assert env.x.http.calls - calls == 2  # users/me + one page of 100 posts

    profile = user_object(STEADY, TODAY)["public_metrics"]
    assert isinstance(profile, dict)
    assert snapshot.followers == followers(STEADY, TODAY) == profile["followers_count"]
    assert snapshot.following == STEADY.follows
    assert snapshot.posts == posts_published(STEADY, TODAY)
    assert snapshot.missing_metrics == []
    assert snapshot.engagement_formula == x.ENGAGEMENT_FORMULA
    assert snapshot.platform_metrics["listed_count"] == profile["listed_count"]
    assert snapshot.platform_metrics["like_count"] == profile["like_count"]

    total = posts_published(STEADY, TODAY)
    assert len(snapshot.recent_items) == 100
    recent_clicks = 0
    for offset, item in enumerate(snapshot.recent_items):
        post = tweet_object(STEADY, total - 1 - offset, TODAY)
        public = post["public_metrics"]
        assert isinstance(public, dict)
        assert item.item_id == post["id"]
        assert item.caption == post["text"]
        assert item.published_at == datetime.fromisoformat(
            str(post["created_at"]).replace("Z", "+00:00")
        )
        assert item.url == f"https://x.com/steady_creator/status/{post['id']}"
        assert item.views == public["impression_count"]
        assert item.likes == public["like_count"]
        assert item.comments == public["reply_count"]
        assert item.shares == public["retweet_count"] + public["quote_count"]
        assert item.saves == public["bookmark_count"]
        assert item.reach is None  # X has no reach
        interactions = sum(
            public[k]
            for k in ("like_count", "reply_count", "retweet_count", "quote_count", "bookmark_count")
        )
        assert item.engagement_rate == pytest.approx(
            interactions / snapshot.followers * 100, abs=1e-4
        )
        if (TODAY - post_dates(STEADY)[total - 1 - offset]).days < 30:
            private = post["non_public_metrics"]
            assert isinstance(private, dict)
            recent_clicks += private["url_link_clicks"]
    assert recent_clicks > 0
    assert snapshot.platform_metrics["recent_url_link_clicks"] == recent_clicks
    rates = [i.engagement_rate for i in snapshot.recent_items if i.engagement_rate is not None]
    assert snapshot.engagement_rate == pytest.approx(sum(rates) / len(rates), abs=1e-4)


async def test_pages_are_bounded_by_settings() -> None:
    async with emulated(x.Settings(page_size=10, max_pages=3)) as env:
        grant = await connect(env)
        calls = env.x.http.calls
        snapshot = await env.x.fetch_snapshot(grant.access_token, account_id="1")
        assert env.x.http.calls - calls == 1 + 3
        ids = [int(i.item_id) for i in snapshot.recent_items]
        assert len(ids) == 30 == len(set(ids))
        assert ids == sorted(ids, reverse=True)


async def test_new_account_without_followers_or_posts(env: Env) -> None:
    grant = await connect(env, "new_nina")
    calls = env.x.http.calls
    snapshot = await env.x.fetch_snapshot(grant.access_token, account_id="nina")
    assert env.x.http.calls - calls == 2
    assert snapshot.followers == 0
    assert snapshot.posts == 0
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None  # unknown, not 0
    assert snapshot.missing_metrics == []


async def test_protected_account_reads_its_own_posts(env: Env) -> None:
    pat = CREATORS_BY_KEY["personal_pat"]
    grant = await connect(env, "personal_pat")
    snapshot = await env.x.fetch_snapshot(grant.access_token, account_id="pat")
    assert snapshot.followers == followers(pat, TODAY)
    assert len(snapshot.recent_items) == min(100, posts_published(pat, TODAY))
    assert all(item.engagement_rate is not None for item in snapshot.recent_items)


async def test_no_daily_history(env: Env) -> None:
    grant = await connect(env)
    calls = env.x.http.calls
    assert await env.x.fetch_history(grant.access_token, account_id="1", days=30) == []
    assert env.x.http.calls == calls


# --- Error classes -----------------------------------------------------------------------------


async def test_expired_token_is_token_expired_and_refresh_recovers(env: Env) -> None:
    grant = await connect(env)
    await add_fault(env, kind="expire_tokens", account="steady_creator")
    calls = env.x.http.calls
    error = await failure(env.x.fetch_snapshot(grant.access_token, account_id="1"))
    assert error.error_class is ErrorClass.TOKEN_EXPIRED
    assert error.status == 401
    assert env.x.http.calls - calls == 1
    refreshed = await env.x.refresh(
        access_token=grant.access_token, refresh_token=grant.refresh_token
    )
    snapshot = await env.x.fetch_snapshot(refreshed.access_token, account_id="1")
    assert snapshot.followers == followers(STEADY, TODAY)


async def test_revoked_access_requires_reauthorization(env: Env) -> None:
    grant = await connect(env)
    await add_fault(env, kind="revoke", account="steady_creator")
    first = await failure(env.x.identity(grant.access_token))
    assert first.error_class is ErrorClass.TOKEN_EXPIRED  # a 401 does not say why
    error = await failure(
        env.x.refresh(access_token=grant.access_token, refresh_token=grant.refresh_token)
    )
    assert error.error_class is ErrorClass.REAUTH_REQUIRED


async def test_rate_limit_waits_until_the_reset_and_is_not_retried(env: Env) -> None:
    freeze(env)
    grant = await connect(env)
    await add_fault(env, kind="rate_limit", count=5, retry_after=90)
    calls = env.x.http.calls
    error = await failure(env.x.fetch_snapshot(grant.access_token, account_id="1"))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == 90.0  # x-rate-limit-reset - now
    assert env.x.http.calls - calls == 1


async def test_rate_limit_wait_counts_from_the_clients_clock(env: Env) -> None:
    freeze(env)
    grant = await connect(env)
    await env.x.identity(grant.access_token)  # opens the 15-minute window at NOW
    env.x.clock = lambda: NOW + 100
    await add_fault(env, kind="rate_limit")
    error = await failure(env.x.identity(grant.access_token))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == pytest.approx(800.0)


async def test_usage_cap_is_rate_limited_until_the_next_month(env: Env) -> None:
    freeze(env)
    grant = await connect(env)
    await add_fault(env, kind="quota_exhausted")
    error = await failure(env.x.fetch_snapshot(grant.access_token, account_id="1"))
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.code == "usage-capped"
    december = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    assert error.retry_after == pytest.approx(december - NOW)


async def test_server_error_burst_is_retried_transparently(env: Env) -> None:
    grant = await connect(env)
    calls = env.x.http.calls
    clean = await env.x.fetch_snapshot(grant.access_token, account_id="1")
    clean_calls = env.x.http.calls - calls

    await add_fault(env, kind="server_error", count=2)
    calls = env.x.http.calls
    snapshot = await env.x.fetch_snapshot(grant.access_token, account_id="1")
    assert env.x.http.calls - calls == clean_calls + 2
    assert snapshot.followers == clean.followers
    assert snapshot.recent_items == clean.recent_items
    assert (await env.http.get("/_emulator/faults")).json() == {"faults": []}


async def test_server_errors_beyond_the_retry_budget_surface_as_transient() -> None:
    async with emulated(x.Settings(max_retries=1)) as env:
        grant = await connect(env)
        await add_fault(env, kind="server_error", count=5)
        calls = env.x.http.calls
        error = await failure(env.x.fetch_snapshot(grant.access_token, account_id="1"))
        assert error.error_class is ErrorClass.TRANSIENT
        assert error.status == 503
        assert env.x.http.calls - calls == 2


async def test_missing_scope_is_permission_and_not_retried() -> None:
    async with emulated(x.Settings(scopes="users.read offline.access")) as env:
        grant = await connect(env)
        calls = env.x.http.calls
        error = await failure(env.x.fetch_snapshot(grant.access_token, account_id="acct"))
        assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
        assert error.status == 403
        assert env.x.http.calls - calls == 1  # neither retried nor asked field by field
        assert env.x.refused.get("acct:user") == set()  # not mistaken for a refused field


async def test_retired_field_is_reported_and_not_asked_again(env: Env) -> None:
    grant = await connect(env)
    clean = await env.x.fetch_snapshot(grant.access_token, account_id="acct")
    await add_fault(env, kind="retire_metric", metric="non_public_metrics")
    calls = env.x.http.calls
    snapshot = await env.x.fetch_snapshot(grant.access_token, account_id="acct")
    assert env.x.http.calls - calls == 3  # users/me, the refused page, the page without it
    assert snapshot.missing_metrics == ["tweet.non_public_metrics"]
    assert snapshot.followers == clean.followers
    assert snapshot.recent_items == clean.recent_items  # views, likes, ... all still there
    assert "recent_url_link_clicks" not in snapshot.platform_metrics

    await env.http.delete("/_emulator/faults")  # even once it works again, it is not asked
    calls = env.x.http.calls
    again = await env.x.fetch_snapshot(grant.access_token, account_id="acct")
    assert env.x.http.calls - calls == 2
    assert again.missing_metrics == ["tweet.non_public_metrics"]
    assert "recent_url_link_clicks" not in again.platform_metrics


async def test_retired_public_metrics_leave_unknowns_not_zeros(env: Env) -> None:
    grant = await connect(env)
    await add_fault(env, kind="retire_metric", metric="public_metrics")
    snapshot = await env.x.fetch_snapshot(grant.access_token, account_id="acct")
    assert snapshot.missing_metrics == ["tweet.public_metrics", "user.public_metrics"]
    assert snapshot.followers is None
    assert snapshot.posts is None
    assert snapshot.engagement_rate is None
    newest = snapshot.recent_items[0]
    assert newest.likes is None
    assert newest.engagement_rate is None
    assert newest.views is not None  # from non_public_metrics.impression_count
    assert snapshot.recent_items[-1].views is None  # too old for private metrics

    calls = env.x.http.calls  # every user field is known refused: users/me is still read once
    again = await env.x.fetch_snapshot(grant.access_token, account_id="acct")
    assert env.x.http.calls - calls == 2
    assert again.missing_metrics == snapshot.missing_metrics


# --- Recorded answers --------------------------------------------------------------------------


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


Route = tuple[int, str, dict[str, str]]


@asynccontextmanager
async def recorded(
    routes: dict[str, Route | list[Route]], settings: x.Settings | None = None
) -> AsyncIterator[tuple[x.XClient, list[httpx.Request]]]:
    """A client whose calls are answered from fixtures, by path (a list answers in turn)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answers = routes[request.url.path]
        status, name, headers = answers.pop(0) if isinstance(answers, list) else answers
        return httpx.Response(status, json=fixture(name), headers=headers)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = x.build(http, emulator_url=None, settings=settings or x.Settings(max_retries=0))
        client.clock = lambda: NOW
        yield client, seen


ME = "/2/users/me"
TWEETS = "/2/users/2244994945/tweets"
TOKEN = "/2/oauth2/token"


async def test_recorded_token_answer() -> None:
    async with recorded({TOKEN: (200, "token.json", {})}) as (client, seen):
        grant = await client.exchange_code(code="c", redirect_uri=REDIRECT_URI, code_verifier="v")
    assert grant.expires_in == 7200
    assert grant.refresh_token and grant.refresh_token.endswith("OnJ0OjE")
    assert grant.scopes == ("tweet.read", "users.read", "offline.access")
    request = seen[0]
    assert str(request.url) == "https://api.x.com/2/oauth2/token"
    expected = base64.b64encode(b"lsa-dev-x-app:lsa-dev-x-secret").decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    form = parse_qs(request.content.decode())
    assert form["code_verifier"] == ["v"]
    assert form["grant_type"] == ["authorization_code"]
    assert form["client_id"] == ["lsa-dev-x-app"]


async def test_recorded_token_without_offline_access() -> None:
    routes: dict[str, Route | list[Route]] = {TOKEN: (200, "token_without_offline_access.json", {})}
    public_client = x.Settings(client_secret=SecretStr(""))
    async with recorded(routes, public_client) as (client, seen):
        grant = await client.exchange_code(code="c", redirect_uri=REDIRECT_URI, code_verifier="v")
    assert grant.refresh_token is None
    assert grant.scopes == ("users.read", "tweet.read")
    assert "authorization" not in seen[0].headers  # a public client sends only its client_id


@pytest.mark.parametrize(
    ("name", "status", "expected"),
    [
        ("refresh_token_invalid.json", 400, ErrorClass.REAUTH_REQUIRED),
        ("unauthorized_client.json", 401, ErrorClass.PERMISSION_OR_INPUT),
    ],
)
async def test_recorded_refresh_failures(name: str, status: int, expected: ErrorClass) -> None:
    async with recorded({TOKEN: (status, name, {})}) as (client, seen):
        error = await failure(client.refresh(access_token="a", refresh_token="r"))
    assert error.error_class is expected
    assert parse_qs(seen[0].content.decode())["grant_type"] == ["refresh_token"]


async def test_recorded_snapshot_with_pages_and_partial_errors() -> None:
    routes: dict[str, Route | list[Route]] = {
        ME: (200, "users_me.json", {}),
        TWEETS: [(200, "user_tweets.json", {}), (200, "user_tweets_page2.json", {})],
    }
    async with recorded(routes, x.Settings(max_pages=2)) as (client, seen):
        snapshot = await client.fetch_snapshot("token", account_id="2244994945")
    assert snapshot.followers == 513868
    assert snapshot.following == 2039
    assert snapshot.posts == 3635
    assert snapshot.platform_metrics == {
        "listed_count": 1672.0,
        "like_count": 2146.0,
        "recent_url_link_clicks": 130.0,
        "recent_user_profile_clicks": 325.0,
    }
    # One post was refused its private metrics, the others have them: nothing is missing.
    assert snapshot.missing_metrics == []
    first, _, third = snapshot.recent_items
    assert first.item_id == "1460323737035677698"
    assert first.published_at == datetime(2021, 11, 15, 19, 8, 5, tzinfo=UTC)
    assert (first.views, first.likes, first.comments, first.shares, first.saves) == (
        40000,
        100,
        4,
        25,
        11,
    )
    assert first.engagement_rate == pytest.approx(140 / 513868 * 100, abs=1e-4)
    assert third.views == 12000  # from public_metrics: private ones were refused for it
    params = [dict(r.url.params) for r in seen]
    assert params[0]["user.fields"] == "id,name,username,protected,verified,public_metrics"
    assert params[1]["tweet.fields"] == "created_at,public_metrics,non_public_metrics"
    assert params[1]["max_results"] == "100"
    assert params[1]["exclude"] == "retweets,replies"
    assert "pagination_token" not in params[1]
    assert params[2]["pagination_token"] == "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"
    assert all(r.headers["authorization"] == "Bearer token" for r in seen)


async def test_recorded_older_profile_and_all_private_metrics_refused() -> None:
    routes: dict[str, Route | list[Route]] = {
        "/2/users/me": (200, "users_me_older_public_metrics.json", {}),
        "/2/users/783214/tweets": (200, "user_tweets_all_private_refused.json", {}),
    }
    async with recorded(routes) as (client, _):
        snapshot = await client.fetch_snapshot("token", account_id="783214")
    assert snapshot.platform_metrics == {"listed_count": 90000.0}
    assert snapshot.missing_metrics == ["tweet.non_public_metrics"]
    assert snapshot.recent_items[0].views == 800


async def test_recorded_empty_timeline() -> None:
    routes: dict[str, Route | list[Route]] = {
        ME: (200, "users_me.json", {}),
        TWEETS: (200, "user_tweets_empty.json", {}),
    }
    async with recorded(routes) as (client, _):
        snapshot = await client.fetch_snapshot("token", account_id="2244994945")
    assert snapshot.recent_items == []
    assert snapshot.engagement_rate is None
    assert snapshot.followers == 513868


async def test_recorded_user_not_visible_is_permission() -> None:
    routes: dict[str, Route | list[Route]] = {
        ME: (200, "users_me.json", {}),
        TWEETS: (200, "user_not_authorized.json", {}),
    }
    async with recorded(routes) as (client, seen):
        error = await failure(client.fetch_snapshot("token", account_id="2244994945"))
    assert error.error_class is ErrorClass.PERMISSION_OR_INPUT
    assert error.code == "not-authorized-for-resource"
    assert len(seen) == 2


async def test_recorded_refused_field_is_dropped_once() -> None:
    routes: dict[str, Route | list[Route]] = {
        ME: (200, "users_me.json", {}),
        TWEETS: [(400, "invalid_tweet_field.json", {}), (200, "user_tweets_page2.json", {})],
    }
    async with recorded(routes) as (client, seen):
        snapshot = await client.fetch_snapshot("token", account_id="2244994945")
    assert snapshot.missing_metrics == ["tweet.non_public_metrics"]
    assert dict(seen[2].url.params)["tweet.fields"] == "created_at,public_metrics"
    assert client.refused.get("2244994945:tweet") == {"non_public_metrics"}


def recorded_error(name: str, status: int, headers: dict[str, str] | None = None) -> x.XApiError:
    return x.classify(httpx.Response(status, json=fixture(name), headers=headers), now=NOW)


@pytest.mark.parametrize(
    ("name", "status", "headers", "expected", "wait"),
    [
        ("too_many_requests.json", 429, {"x-rate-limit-reset": str(int(NOW) + 321)}, 321.0, None),
        ("too_many_requests.json", 429, {"x-rate-limit-reset": str(int(NOW) - 5)}, 0.0, None),
        ("too_many_requests.json", 429, {}, x.DEFAULT_RATE_LIMIT_WAIT, None),
        ("rate_limit_legacy.json", 429, {}, x.DEFAULT_RATE_LIMIT_WAIT, "rate-limit-exceeded"),
        ("usage_capped.json", 429, {}, x.DEFAULT_USAGE_CAP_WAIT, "usage-capped"),
        ("usage_capped.json", 429, {"x-rate-limit-reset": str(int(NOW) + 60)}, 60.0, None),
    ],
)
def test_recorded_rate_limits(
    name: str, status: int, headers: dict[str, str], expected: float, wait: str | None
) -> None:
    error = recorded_error(name, status, headers)
    assert error.error_class is ErrorClass.RATE_LIMITED
    assert error.retry_after == pytest.approx(expected)
    if wait is not None:
        assert error.code == wait


@pytest.mark.parametrize(
    ("name", "status", "expected", "code"),
    [
        ("unauthorized.json", 401, ErrorClass.TOKEN_EXPIRED, "about:blank"),
        ("client_forbidden.json", 403, ErrorClass.PERMISSION_OR_INPUT, "client-forbidden"),
        ("invalid_tweet_field.json", 400, ErrorClass.PERMISSION_OR_INPUT, "invalid-request"),
        ("service_unavailable.json", 503, ErrorClass.TRANSIENT, "about:blank"),
        ("refresh_token_invalid.json", 400, ErrorClass.PERMISSION_OR_INPUT, "invalid_request"),
    ],
)
def test_recorded_error_classes(name: str, status: int, expected: ErrorClass, code: str) -> None:
    error = recorded_error(name, status)
    assert error.error_class is expected
    assert error.code == code
    assert error.status == status


def test_invalid_request_names_the_refused_field() -> None:
    error = recorded_error("invalid_tweet_field.json", 400)
    assert error.refused_values("tweet.fields") == {"non_public_metrics"}
    assert error.refused_values("user.fields") == set()
    assert "non_public_metrics" in error.message


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_without_body_is_transient(status: int) -> None:
    error = x.classify(httpx.Response(status, text="<html>oops</html>"), now=NOW)
    assert error.error_class is ErrorClass.TRANSIENT


def test_recent_clicks_only_count_posts_that_have_them() -> None:
    posts: list[dict[str, Any]] = [
        {"id": "1", "non_public_metrics": {"url_link_clicks": 3}},
        {"id": "2"},
    ]
    assert x.account_metrics({}, posts) == {"recent_url_link_clicks": 3.0}
