"""The generated demo creators (``demo_01`` … ``demo_99``) and the account history route."""

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import httpx

from emulator.creators import (
    ALL_CREATORS,
    CREATORS,
    CREATORS_BY_KEY,
    CREATORS_BY_NUMBER,
    DEMO_CREATORS,
    EPOCH,
    followers,
    get_creator,
    post_dates,
    posts_published,
)
from emulator.facebook import data as facebook
from emulator.instagram import data as instagram
from emulator.linkedin import data as linkedin
from emulator.tiktok import data as tiktok
from emulator.x import data as x
from emulator.youtube import data as youtube
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import GRAPH, short_token

SEVEN = (
    "steady_creator",
    "viral_vera",
    "stalled_sam",
    "declining_dan",
    "new_nina",
    "personal_pat",
    "tiny_tim",
)


def test_the_seven_are_unchanged_and_the_generated_ones_follow() -> None:
    assert tuple(c.key for c in CREATORS) == SEVEN
    assert [c.number for c in CREATORS] == [1, 2, 3, 4, 5, 6, 7]
    assert followers(CREATORS_BY_KEY["steady_creator"], EPOCH) == 12_003  # docs/platforms.md
    assert [c.key for c in DEMO_CREATORS] == [f"demo_{n:02d}" for n in range(1, 100)]
    assert [c.number for c in DEMO_CREATORS] == list(range(101, 200))
    assert ALL_CREATORS == CREATORS + DEMO_CREATORS
    assert len(CREATORS_BY_KEY) == len(CREATORS_BY_NUMBER) == 106
    assert len({c.display_name for c in DEMO_CREATORS}) == 99
    assert get_creator("demo_42") is DEMO_CREATORS[41]
    assert get_creator("demo_00") is None and get_creator("demo_100") is None


def test_generated_creators_are_fixed_across_processes() -> None:
    # Pinned: stable hashes, so every process (and every run of ``lsa demo``) sees these.
    first = DEMO_CREATORS[0]
    assert (first.display_name, first.base_followers, first.daily_growth) == ("Ada Arden", 99177, 0)
    assert followers(first, TODAY) == 99_087
    assert DEMO_CREATORS[2].base_followers == 224_843
    assert DEMO_CREATORS[2].daily_growth == 0.001649


def test_generated_creators_vary_and_growing_ones_rise_every_day() -> None:
    sizes = [c.base_followers for c in DEMO_CREATORS]
    assert min(sizes) >= 800 and max(sizes) <= 240_000 and max(sizes) > 50 * min(sizes)
    growth = [c.daily_growth for c in DEMO_CREATORS]
    assert any(g < 0 for g in growth) and any(g == 0 for g in growth)
    assert any(c.spike_day is not None for c in DEMO_CREATORS)
    days = [TODAY - timedelta(days=i) for i in range(400, -1, -1)]
    for creator in DEMO_CREATORS:
        assert creator.professional and creator.first_post is not None
        assert posts_published(creator, TODAY) > 100
        if creator.daily_growth > 0 and creator.spike_day is None:
            counts = [followers(creator, d) for d in days]
            assert all(b >= a for a, b in pairwise(counts)), creator.key


def test_every_platform_finds_a_generated_creator_by_its_ids() -> None:
    for creator in DEMO_CREATORS:
        last = len(post_dates(creator)) - 1
        assert last < 1 << 10  # room in X's post ids
        assert instagram.creator_for_user_node(instagram.professional_id(creator)) is creator
        assert instagram.parse_media_id(instagram.media_id(creator, last)) == (creator, last)
        assert tiktok.creator_for_open_id(tiktok.open_id(creator)) is creator
        assert tiktok.parse_video_id(tiktok.video_id(creator, last)) == (creator, last)
        assert x.creator_for_user_id(x.user_id(creator)) is creator
        assert x.parse_tweet_id(x.tweet_id(creator, last)) == (creator, last)
        assert facebook.creator_for_page(facebook.page_id(creator)) is creator
        assert facebook.parse_post_id(facebook.post_id(creator, last)) == (creator, last)
        assert linkedin.creator_for_person(linkedin.person_id(creator)) is creator
        assert linkedin.parse_post_urn(linkedin.post_urn(creator, last)) == (creator, last)
        assert youtube.creator_for_channel(youtube.channel_id(creator)) is creator
        assert youtube.parse_video_id(youtube.video_id(creator, last)) == (creator, last)


def test_x_ids_of_the_seven_keep_their_layout() -> None:
    steady = CREATORS_BY_KEY["steady_creator"]
    moment = datetime.combine(post_dates(steady)[5], time(), UTC)
    seconds = (x.posted_at(steady, 5) - moment).total_seconds()
    ms = int((moment.timestamp() + seconds) * 1000) - x.TWITTER_EPOCH_MS
    assert x.tweet_id(steady, 5) == str((ms << 22) | (1 << 17) | 5)


async def test_a_generated_account_connects_by_key_though_not_listed(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(
        "/www.instagram.com/oauth/authorize",
        params={
            "client_id": "lsa-dev-instagram-app",
            "redirect_uri": "https://app.example.test/oauth/instagram/callback",
            "response_type": "code",
            "scope": "instagram_business_basic",
        },
    )
    assert 'value="steady_creator"' in page.text and 'value="demo_07"' not in page.text
    assert "demo_01 … demo_99" in page.text
    token = await short_token(client, account="demo_07")
    body = (
        await client.get(
            f"{GRAPH}/me", params={"fields": "username,followers_count", "access_token": token}
        )
    ).json()
    assert body["username"] == "demo_07"
    assert body["followers_count"] == followers(DEMO_CREATORS[6], TODAY)


async def test_history_gives_each_platforms_counts_day_by_day(client: httpx.AsyncClient) -> None:
    creator = DEMO_CREATORS[4]
    start, end = TODAY - timedelta(days=2), TODAY

    async def history(platform: str) -> list[dict[str, object]]:
        answer = await client.get(
            "/_emulator/accounts/demo_05/history",
            params={"platform": platform, "from": str(start), "to": str(end)},
        )
        assert answer.status_code == 200, answer.text
        days: list[dict[str, object]] = answer.json()["days"]
        return days

    days = [start, start + timedelta(days=1), end]
    assert await history("instagram") == [
        {
            "date": str(d),
            "followers": followers(creator, d),
            "following": creator.follows,
            "posts": posts_published(creator, d),
        }
        for d in days
    ]
    page = await history("facebook")
    assert [d["followers"] for d in page] == [facebook.page_followers(creator, d) for d in days]
    assert {d["following"] for d in page} == {None}
    channel = await history("youtube")
    assert [d["followers"] for d in channel] == [
        youtube.public_subscribers(followers(creator, d)) for d in days
    ]


async def test_history_refuses_what_it_cannot_answer(client: httpx.AsyncClient) -> None:
    path = "/_emulator/accounts/{}/history"
    today = str(TODAY)
    span = {"from": today, "to": today}
    unknown = await client.get(path.format("nobody"), params={"platform": "x", **span})
    assert unknown.status_code == 404
    wrong = await client.get(path.format("demo_01"), params={"platform": "myspace", **span})
    assert wrong.status_code == 400
    ahead = str(TODAY + timedelta(days=1))
    future = await client.get(
        path.format("demo_01"), params={"platform": "x", "from": today, "to": ahead}
    )
    assert future.status_code == 400 and "today" in future.json()["detail"]
    backwards = await client.get(
        path.format("demo_01"),
        params={"platform": "x", "from": today, "to": str(TODAY - timedelta(days=1))},
    )
    assert backwards.status_code == 400
    no_page = await client.get(path.format("personal_pat"), params={"platform": "facebook", **span})
    assert no_page.status_code == 404
