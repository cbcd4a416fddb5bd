"""InstagramClient against the in-process emulator: OAuth, data, and error classes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator.settings import EmulatorSettings
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.instagram import InstagramClient
from shared.platforms.instagram import Settings as InstagramSettings
from tests.unit.support import (
    REDIRECT_URI,
    TODAY,
    Emulated,
    add_fault,
    clear_lsa_env,
    consent,
    emulated_instagram,
)

LONG_TTL = 4_321_000  # not the emulator's default, so expires_in must come from the answer
SCOPES = ("instagram_business_basic", "instagram_business_manage_insights")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


def emulator_settings(**overrides: object) -> EmulatorSettings:
    return EmulatorSettings(today=TODAY, instagram_long_token_ttl_s=LONG_TTL, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def emu() -> AsyncIterator[Emulated]:
    async with emulated_instagram(emulator_settings(), InstagramSettings(max_retries=3)) as e:
        yield e


async def authorize(emu: Emulated, account: str = "steady_creator") -> str:
    url = emu.instagram.authorization_url(state="st-1", redirect_uri=REDIRECT_URI)
    answer = await consent(emu.http, url, account=account)
    assert answer["state"] == "st-1"
    return answer["code"]


async def connect(emu: Emulated, account: str = "steady_creator") -> TokenGrant:
    code = await authorize(emu, account)
    return await emu.instagram.exchange_code(code=code, redirect_uri=REDIRECT_URI)


async def me(emu: Emulated, token: str) -> dict[str, object]:
    response = await emu.http.get(
        "/graph.instagram.com/v23.0/me",
        params={"fields": "user_id,username,followers_count,follows_count,media_count"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_authorization_url_goes_through_the_emulator() -> None:
    client = InstagramClient(InstagramSettings(), None, emulator_url="http://emu:9000/")  # type: ignore[arg-type]
    url = client.authorization_url(state="abc", redirect_uri=REDIRECT_URI)
    assert url.startswith("http://emu:9000/www.instagram.com/oauth/authorize?")
    assert "state=abc" in url
    assert "response_type=code" in url
    assert client.token_endpoint == "http://emu:9000/api.instagram.com/oauth/access_token"
    assert client.graph == "http://emu:9000/graph.instagram.com"


async def test_exchange_code_gives_a_long_lived_token(emu: Emulated) -> None:
    grant = await connect(emu)
    assert grant.access_token.startswith("IGAA")
    assert grant.expires_in == LONG_TTL
    assert grant.scopes == SCOPES
    assert grant.refresh_token is None  # Instagram Login has no refresh tokens
    assert grant.platform_user_id is not None
    assert grant.platform_user_id.isdigit()


@pytest.mark.parametrize(
    "variant",
    [
        {"instagram_token_response_wrapped": True},
        {"instagram_permissions_as_list": True},
        {"instagram_token_response_wrapped": True, "instagram_permissions_as_list": True},
    ],
    ids=["wrapped", "list", "wrapped-list"],
)
async def test_exchange_code_handles_the_answer_variants(variant: dict[str, bool]) -> None:
    async with emulated_instagram(emulator_settings(**variant)) as emu:
        grant = await connect(emu)
        assert grant.expires_in == LONG_TTL
        assert grant.scopes == SCOPES
        assert grant.access_token.startswith("IGAA")
        identity = await emu.instagram.identity(grant.access_token)
        assert identity.username == "steady_creator"


async def test_code_is_single_use(emu: Emulated) -> None:
    code = await authorize(emu)
    await emu.instagram.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    with pytest.raises(PlatformError) as raised:
        await emu.instagram.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_exchange_with_another_redirect_uri_is_refused(emu: Emulated) -> None:
    code = await authorize(emu)
    with pytest.raises(PlatformError) as raised:
        await emu.instagram.exchange_code(code=code, redirect_uri=REDIRECT_URI + "/other")
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_identity(emu: Emulated) -> None:
    grant = await connect(emu)
    identity = await emu.instagram.identity(grant.access_token)
    profile = await me(emu, grant.access_token)
    assert identity.username == "steady_creator"
    assert identity.platform_user_id == profile["user_id"]
    assert identity.display_name == "Stella Steady"


async def test_fetch_snapshot_matches_the_profile(emu: Emulated) -> None:
    grant = await connect(emu)
    snapshot = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    profile = await me(emu, grant.access_token)

    assert snapshot.followers == profile["followers_count"]
    assert snapshot.following == profile["follows_count"]
    assert snapshot.posts == profile["media_count"]
    assert snapshot.missing_metrics == []
    assert snapshot.engagement_formula

    settings = emu.instagram.settings
    assert isinstance(snapshot.posts, int)
    expected_items = min(snapshot.posts, settings.page_size * settings.max_pages)
    assert len(snapshot.recent_items) == expected_items
    ids = [item.item_id for item in snapshot.recent_items]
    assert len(set(ids)) == len(ids)  # pages do not overlap
    published = [item.published_at for item in snapshot.recent_items]
    assert all(p is not None for p in published)
    assert published == sorted(published, reverse=True)  # type: ignore[type-var]


async def test_engagement_rates(emu: Emulated) -> None:
    grant = await connect(emu)
    snapshot = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    assert snapshot.followers
    item = snapshot.recent_items[0]  # the newest post: its insights were fetched
    assert item.likes is not None
    assert item.comments is not None
    assert item.saves is not None
    assert item.shares is not None
    expected = (item.likes + item.comments + item.saves + item.shares) / snapshot.followers * 100
    assert item.engagement_rate == pytest.approx(expected, abs=1e-4)
    assert item.views and item.reach
    beyond = snapshot.recent_items[-1]  # past the insights limit: likes and comments only
    assert beyond.saves is None
    assert beyond.engagement_rate == pytest.approx(
        ((beyond.likes or 0) + (beyond.comments or 0)) / snapshot.followers * 100, abs=1e-4
    )

    rates = [i.engagement_rate for i in snapshot.recent_items]
    assert all(r is not None for r in rates)
    mean = sum(r for r in rates if r is not None) / len(rates)
    assert snapshot.engagement_rate == pytest.approx(mean, abs=1e-4)


async def test_personal_account_still_gives_profile_figures(emu: Emulated) -> None:
    grant = await connect(emu, "personal_pat")
    snapshot = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    profile = await me(emu, grant.access_token)
    assert snapshot.followers == profile["followers_count"]
    assert snapshot.following == profile["follows_count"]
    assert snapshot.posts == profile["media_count"]
    # Insights are refused for personal accounts: every one is reported missing, none faked.
    assert set(snapshot.missing_metrics) == {
        "media.views",
        "media.reach",
        "media.saved",
        "media.shares",
        "account.views",
        "account.reach",
        "account.accounts_engaged",
        "account.total_interactions",
        "account.profile_links_taps",
    }
    assert snapshot.reach is None and snapshot.views is None
    assert all(item.saves is None for item in snapshot.recent_items)


async def test_expired_token_is_token_expired(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="expire_tokens", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    assert raised.value.error_class is ErrorClass.TOKEN_EXPIRED
    assert raised.value.code == "190/463"


async def test_revoked_token_requires_reauthorization(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="revoke", account="steady_creator")
    with pytest.raises(PlatformError) as raised:
        await emu.instagram.identity(grant.access_token)
    assert raised.value.error_class is ErrorClass.REAUTH_REQUIRED


async def test_fault_for_another_account_does_not_touch_this_one(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="revoke", account="viral_vera")
    identity = await emu.instagram.identity(grant.access_token)
    assert identity.username == "steady_creator"


async def test_rate_limit_is_classified_and_not_retried(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="rate_limit", count=5, retry_after=90)
    calls_before = emu.instagram.http.calls
    with pytest.raises(PlatformError) as raised:
        await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    assert raised.value.error_class is ErrorClass.RATE_LIMITED
    assert raised.value.retry_after == 90.0
    assert emu.instagram.http.calls - calls_before == 1


async def test_server_error_burst_is_retried_transparently(emu: Emulated) -> None:
    grant = await connect(emu)
    calls_before = emu.instagram.http.calls
    clean = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    clean_calls = emu.instagram.http.calls - calls_before

    await add_fault(emu.http, kind="server_error", count=2)
    calls_before = emu.instagram.http.calls
    snapshot = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    assert emu.instagram.http.calls - calls_before == clean_calls + 2
    assert snapshot.followers == clean.followers
    assert len(snapshot.recent_items) == len(clean.recent_items)
    faults = (await emu.http.get("/_emulator/faults")).json()["faults"]
    assert faults == []  # the burst was used up


async def test_server_errors_beyond_the_retry_budget_surface_as_transient() -> None:
    async with emulated_instagram(emulator_settings(), InstagramSettings(max_retries=1)) as emu:
        grant = await connect(emu)
        await add_fault(emu.http, kind="server_error", count=5)
        calls_before = emu.instagram.http.calls
        with pytest.raises(PlatformError) as raised:
            await emu.instagram.identity(grant.access_token)
        assert raised.value.error_class is ErrorClass.TRANSIENT
        assert emu.instagram.http.calls - calls_before == 2


async def test_refresh_gives_a_new_token() -> None:
    settings = emulator_settings(instagram_min_refresh_age_s=0)
    async with emulated_instagram(settings) as emu:
        grant = await connect(emu)
        refreshed = await emu.instagram.refresh(access_token=grant.access_token)
        assert refreshed.access_token != grant.access_token
        assert refreshed.expires_in == LONG_TTL
        identity = await emu.instagram.identity(refreshed.access_token)
        assert identity.username == "steady_creator"


async def test_refreshing_a_young_token_is_refused(emu: Emulated) -> None:
    grant = await connect(emu)  # the default minimum refresh age is 24 h
    with pytest.raises(PlatformError) as raised:
        await emu.instagram.refresh(access_token=grant.access_token)
    assert raised.value.error_class is ErrorClass.PERMISSION_OR_INPUT


async def test_revoke_is_a_no_op(emu: Emulated) -> None:
    grant = await connect(emu)
    assert await emu.instagram.revoke(access_token=grant.access_token) is False
    assert (await emu.instagram.identity(grant.access_token)).username == "steady_creator"


async def test_a_retired_metric_is_reported_and_cannot_sink_the_others(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="retire_metric", metric="saved")
    snapshot = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    assert snapshot.missing_metrics == ["media.saved"]
    newest = snapshot.recent_items[0]
    assert newest.saves is None  # unknown, not zero
    assert newest.views and newest.reach and newest.shares is not None
    assert snapshot.reach is not None  # account insights unaffected

    # The refusal is remembered for this account: the next sync does not ask again.
    calls_before = emu.instagram.http.calls
    again = await emu.instagram.fetch_snapshot(grant.access_token, account_id="me")
    settings = emu.instagram.settings
    pages = len(again.recent_items) // settings.page_size  # full pages of /me/media
    insights = min(len(again.recent_items), settings.insights_media_limit)
    # /me + media pages + one insights call per recent post + one account-totals call
    assert emu.instagram.http.calls - calls_before == 1 + pages + insights + 1
    assert again.missing_metrics == ["media.saved"]


async def test_follower_history_is_the_daily_gain_of_the_last_30_days(emu: Emulated) -> None:
    grant = await connect(emu)
    profile = await me(emu, grant.access_token)
    history = await emu.instagram.fetch_history(
        grant.access_token, account_id=str(profile["user_id"]), days=90
    )
    assert 25 <= len(history) <= 30  # Instagram keeps no more than 30 days
    days = [point.day for point in history]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert days[-1] <= TODAY
    # steady_creator grows every day: every gain is known and positive.
    assert all(point.followers_gained and point.followers_gained > 0 for point in history)
    assert all("reach" in point.metrics for point in history)


async def test_small_accounts_have_no_follower_history(emu: Emulated) -> None:
    grant = await connect(emu, "tiny_tim")  # under Instagram's 100-follower floor
    profile = await me(emu, grant.access_token)
    history = await emu.instagram.fetch_history(
        grant.access_token, account_id=str(profile["user_id"]), days=30
    )
    assert all(point.followers_gained is None for point in history)
