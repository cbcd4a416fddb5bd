"""InstagramClient against the in-process emulator: OAuth, data, and error classes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator.creators import (
    PostStats,
    followers,
    get_creator,
    post_dates,
    post_stats,
    posts_published,
)
from emulator.instagram.data import media_id
from emulator.settings import EmulatorSettings
from shared.events.snapshots import SnapshotMetrics
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.capture import capturing
from shared.platforms.instagram import MEDIA_METRICS, InstagramClient
from shared.platforms.instagram import Settings as InstagramSettings
from tests.support.clock import TODAY
from tests.unit.support import (
    PAGED,
    REDIRECT_URI,
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
    async with emulated_instagram(
        emulator_settings(), InstagramSettings(max_retries=3, **PAGED)
    ) as e:
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
    async with emulated_instagram(
        emulator_settings(), InstagramSettings(max_retries=1, **PAGED)
    ) as emu:
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


# --- Field expansion: profile, posts and their insights in one call ---------------------------


def path_of(answer: dict[str, Any]) -> str:
    return urlsplit(str(answer["url"])).path.split("/v23.0/", 1)[-1]


def query(answer: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(answer["url"]).query).items()}


async def sync(client: InstagramClient, token: str) -> tuple[SnapshotMetrics, list[dict[str, Any]]]:
    """One daily sync and every answer it got (the raw-answer capture of the ingestor)."""
    with capturing() as answers:
        snapshot = await client.fetch_snapshot(token, account_id="me")
    return snapshot, answers


def per_post(client: InstagramClient) -> InstagramClient:
    """The same client on the per-post path: its memory says the expansion is refused."""
    client.refused.add("me:expansion-refused", [",".join(MEDIA_METRICS)])
    return client


@pytest.mark.parametrize(
    ("settings", "calls"),
    [
        (InstagramSettings(), 2),  # the defaults: one page of 25, all in the insights window
        (InstagramSettings(page_size=10, max_pages=1, insights_media_limit=10), 2),
        # 50 posts, 10 with insights → 2 more pages of 25 and 15
        (InstagramSettings(page_size=25, max_pages=2, insights_media_limit=10), 4),
    ],
    ids=["defaults", "window", "two-pages"],
)
async def test_daily_sync_by_field_expansion_gives_the_per_post_figures(
    settings: InstagramSettings, calls: int
) -> None:
    async with emulated_instagram(emulator_settings()) as emu:
        grant = await connect(emu)
        client = InstagramClient(settings, emu.http, emulator_url="http://emulator")
        snapshot, answers = await sync(client, grant.access_token)
        old_way = per_post(
            InstagramClient(client.settings, emu.http, emulator_url="http://emulator")
        )
        expected, old_answers = await sync(old_way, grant.access_token)

    assert snapshot == expected
    assert [a["status"] for a in answers] == [200] * calls
    expanded, *pages, totals = answers
    assert path_of(expanded) == "me"
    fields = query(expanded)["fields"]
    window = client.settings.insights_media_limit
    assert fields.endswith(
        f",media.limit({window}){{id,caption,media_type,media_product_type,permalink,timestamp,"
        "like_count,comments_count,insights.metric(views,reach,saved,shares)}"
    )
    assert all(path_of(a) == "me/media" and "insights" not in a["url"] for a in pages)
    assert path_of(totals).endswith("/insights") and query(totals)["metric_type"] == "total_value"
    # The per-post path: /me, media pages, one insights call per post of the window, totals.
    per_post_insights = [a for a in old_answers if path_of(a).startswith("18")]
    assert len(per_post_insights) == window
    assert len(old_answers) == 1 + client.settings.max_pages + window + 1
    assert len(snapshot.recent_items) == client.settings.page_size * client.settings.max_pages
    with_insights = [i for i in snapshot.recent_items if i.saves is not None]
    assert len(with_insights) == window == len([i for i in snapshot.recent_items if i.views])
    assert snapshot.missing_metrics == []


async def test_an_insights_window_longer_than_a_page_asks_the_rest_per_post() -> None:
    settings = InstagramSettings(page_size=5, max_pages=3, insights_media_limit=8)
    async with emulated_instagram(emulator_settings(), settings) as emu:
        grant = await connect(emu)
        snapshot, answers = await sync(emu.instagram, grant.access_token)
    paths = [path_of(a) for a in answers]
    assert paths[0] == "me" and "media.limit(5){" in query(answers[0])["fields"]
    assert paths[1:3] == ["me/media", "me/media"]  # posts 6-10 and 11-15
    assert len([p for p in paths if p.startswith("18")]) == 3  # posts 6-8: one call each
    assert len(snapshot.recent_items) == 15
    assert [i.saves is not None for i in snapshot.recent_items] == [True] * 8 + [False] * 7


async def test_an_account_without_posts_is_two_calls(emu: Emulated) -> None:
    grant = await connect(emu, "new_nina")
    snapshot, answers = await sync(emu.instagram, grant.access_token)
    assert len(answers) == 2
    assert snapshot.recent_items == [] and snapshot.missing_metrics == []
    assert snapshot.posts == 0


async def test_a_retired_metric_is_reported_and_cannot_sink_the_others(emu: Emulated) -> None:
    grant = await connect(emu)
    await add_fault(emu.http, kind="retire_metric", metric="saved")
    snapshot, answers = await sync(emu.instagram, grant.access_token)
    assert snapshot.missing_metrics == ["media.saved"]
    newest = snapshot.recent_items[0]
    assert newest.saves is None  # unknown, not zero
    assert newest.views and newest.reach and newest.shares is not None
    assert snapshot.reach is not None  # account insights unaffected
    # The expansion was refused as a whole (code 100): this sync fell back to the per-post path.
    refused = answers[0]
    assert (path_of(refused), refused["status"]) == ("me", 400)
    assert '"code":100' in refused["body"].replace(" ", "")
    assert path_of(answers[1]) == "me" and "media." not in query(answers[1])["fields"]
    assert any(path_of(a).startswith("18") for a in answers)  # per-post insights

    # Remembered for this account: the next sync expands again, without the refused metric.
    again, answers = await sync(emu.instagram, grant.access_token)
    assert again.missing_metrics == ["media.saved"]
    assert [a["status"] for a in answers] == [200] * 4  # expansion, 2 media pages, totals
    assert "insights.metric(views,reach,shares)}" in query(answers[0])["fields"]
    assert not any("saved" in a["url"] for a in answers)
    assert not any(path_of(a).startswith("18") for a in answers)  # no per-post calls
    assert again.recent_items[0].saves is None and again.recent_items[0].shares is not None
    assert again == snapshot


async def test_a_post_without_insights_leaves_every_other_post_its_engagement(
    emu: Emulated,
) -> None:
    """The oldest post of the window was published before the account became a business
    account: Meta refuses its insights (100/2108006) and so the whole expansion. The per-post
    fallback gives every other post the expansion's figures, this sync and the next ones."""
    grant = await connect(emu)
    expected, answers = await sync(emu.instagram, grant.access_token)  # the expansion, same day
    assert len(answers) == 4 and expected.missing_metrics == []
    stella = get_creator("steady_creator")
    assert stella is not None
    newest = posts_published(stella, TODAY) - 1
    window = emu.instagram.settings.insights_media_limit  # 10 of the 50 posts
    old = newest - (window - 1)
    converted_on = post_dates(stella)[old + 1]  # the posts before it: the window's last and older
    await add_fault(
        emu.http,
        kind="business_conversion",
        account="steady_creator",
        converted_on=converted_on.isoformat(),
    )

    first, answers = await sync(emu.instagram, grant.access_token)
    assert (path_of(answers[0]), answers[0]["status"]) == ("me", 400)
    assert '"error_subcode":2108006' in answers[0]["body"].replace(" ", "")
    second, again = await sync(emu.instagram, grant.access_token)
    third, _ = await sync(emu.instagram, grant.access_token)
    # The refusal is remembered: straight to the per-post path (profile, 2 media pages, one call
    # per post of the window, totals); the old post is asked once, not metric by metric.
    assert path_of(again[0]) == "me" and "media." not in query(again[0])["fields"]
    assert len(again) == 1 + 2 + window + 1
    assert [path_of(a) for a in again if a["status"] != 200] == [
        f"{media_id(stella, old)}/insights"
    ]

    # Worked out by hand from the emulator's numbers (emulator/creators.py) on 2026-11-20:
    assert followers(stella, TODAY) == 12_950
    assert post_stats(stella, newest, TODAY) == PostStats(
        reach=3358, views=5071, likes=221, comments=7, saves=11, shares=13
    )
    assert (post_stats(stella, old, TODAY).likes, post_stats(stella, old, TODAY).comments) == (
        725,
        38,
    )
    newest_rate = 1.9459  # (221 + 7 + 11 + 13) / 12,950 x 100 = 1.94594…
    old_rate = 5.8919  # (725 + 38) / 12,950 x 100 = 5.89189…: no saves, no shares known
    rates = [i.engagement_rate for i in expected.recent_items if i.engagement_rate is not None]
    assert len(rates) == len(expected.recent_items)  # every post's rate is known
    rates[window - 1] = old_rate
    for snapshot in (first, second, third):
        items = snapshot.recent_items
        assert items[0].engagement_rate == newest_rate == expected.recent_items[0].engagement_rate
        assert (items[0].saves, items[0].shares, items[0].views, items[0].reach) == (
            11,
            13,
            5071,
            3358,
        )
        # Every other post: the expansion's figures (those past the window had no insights there).
        assert items[: window - 1] == expected.recent_items[: window - 1]
        assert items[window:] == expected.recent_items[window:]
        unknown = {"views": None, "reach": None, "saves": None, "shares": None}
        assert items[window - 1] == expected.recent_items[window - 1].model_copy(
            update={**unknown, "engagement_rate": old_rate}
        )
        assert snapshot.engagement_rate == pytest.approx(sum(rates) / len(rates), abs=1e-4)
        assert snapshot.missing_metrics == sorted(f"media.{m}" for m in MEDIA_METRICS)
        assert (snapshot.followers, snapshot.reach) == (expected.followers, expected.reach)


async def test_personal_account_expands_without_insights_after_the_first_sync(
    emu: Emulated,
) -> None:
    grant = await connect(emu, "personal_pat")
    first, answers = await sync(emu.instagram, grant.access_token)
    assert answers[0]["status"] == 403  # nested insights without the permission: code 10
    again, answers = await sync(emu.instagram, grant.access_token)
    assert again == first
    # Every insight is known refused: the profile and posts, and nothing else is asked; with no
    # insights window to keep short, the nested page is a full one.
    assert [a["status"] for a in answers] == [200] * 2  # expansion (25 posts) + 1 media page
    assert "insights" not in query(answers[0])["fields"]
    assert ",media.limit(25){" in query(answers[0])["fields"]
    assert all(path_of(a) in ("me", "me/media") for a in answers)


async def test_follower_history_is_the_daily_gain_of_the_last_30_days(emu: Emulated) -> None:
    grant = await connect(emu)
    profile = await me(emu, grant.access_token)
    history = await emu.instagram.fetch_history(
        grant.access_token, account_id=str(profile["user_id"]), days=90
    )
    # Instagram keeps no more than 30 days: the window is the 29 days up to the pinned day.
    days = [point.day for point in history]
    assert days == [TODAY - timedelta(days=back) for back in range(28, -1, -1)]
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
