"""TikTok's view of the shared demo creators: ids, user and video fields, scopes.

Every post of a creator's shared schedule is a TikTok video; followers, likes, comments and shares
come from the shared curves. Views get a TikTok factor (videos travel far beyond the followers),
derived with ``stable_unit`` so it is the same in every process.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from emulator.creators import (
    ALL_CREATORS,
    CREATORS_BY_NUMBER,
    Creator,
    followers,
    post_dates,
    post_stats,
    posts_published,
    stable_int,
    stable_unit,
)

BASIC_SCOPE = "user.info.basic"
PROFILE_SCOPE = "user.info.profile"
STATS_SCOPE = "user.info.stats"
VIDEO_LIST_SCOPE = "video.list"

SCOPE_LABELS: dict[str, str] = {
    BASIC_SCOPE: "Read your profile info (avatar, display name)",
    PROFILE_SCOPE: "Read your additional profile info (username, bio, verified status)",
    STATS_SCOPE: "Read your profile statistics (likes, followers, following, videos)",
    VIDEO_LIST_SCOPE: "Read your public videos on TikTok",
    "video.upload": "Share content to TikTok as a draft",
    "video.publish": "Directly post content to TikTok",
}
"""Scopes the Login Kit dialog knows (only the first four matter to analytics)."""

USER_FIELD_SCOPES: dict[str, str] = {
    "open_id": BASIC_SCOPE,
    "union_id": BASIC_SCOPE,
    "avatar_url": BASIC_SCOPE,
    "avatar_url_100": BASIC_SCOPE,
    "avatar_large_url": BASIC_SCOPE,
    "display_name": BASIC_SCOPE,
    "bio_description": PROFILE_SCOPE,
    "profile_deep_link": PROFILE_SCOPE,
    "profile_web_link": PROFILE_SCOPE,
    "is_verified": PROFILE_SCOPE,
    "username": PROFILE_SCOPE,
    "follower_count": STATS_SCOPE,
    "following_count": STATS_SCOPE,
    "likes_count": STATS_SCOPE,
    "video_count": STATS_SCOPE,
}
"""The v2 User object: every field and the scope it needs."""

VIDEO_FIELDS: tuple[str, ...] = (
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "duration",
    "height",
    "width",
    "title",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
)
"""The v2 Video object (all need ``video.list``)."""

MAX_COUNT = 20
"""``video/list`` ``max_count`` and ``video/query`` ``video_ids`` take at most 20."""
DEFAULT_COUNT = 10

_TITLES: tuple[str, ...] = (
    "POV: you finally tried it 😅 #fyp",
    "Wait for the end… #viral",
    "3 things nobody tells you about this #tips",
    "Day {n} of posting until it works",
    "Replying to comments: part {n} 💬",
    "Tiny routine, big results #routine",
    "This sound is stuck in my head 🎧",
    "Trying the trend, be nice 🙈",
)


def open_id(creator: Creator) -> str:
    """The app-scoped user id (UUID-shaped), stable for a creator."""
    return str(uuid.UUID(int=stable_int(2**128, creator.key, "tt-open-id")))


def union_id(creator: Creator) -> str:
    """The developer-scoped user id."""
    return str(uuid.UUID(int=stable_int(2**128, creator.key, "tt-union-id")))


_BY_OPEN_ID: dict[str, Creator] = {open_id(c): c for c in ALL_CREATORS}


def creator_for_open_id(value: str) -> Creator | None:
    return _BY_OPEN_ID.get(value)


def video_id(creator: Creator, index: int) -> str:
    """19-digit id that encodes creator and post index, so no storage is needed."""
    return f"73{creator.number:03d}{index:014d}"


def parse_video_id(value: str) -> tuple[Creator, int] | None:
    """Inverse of :func:`video_id`."""
    if len(value) != 19 or not value.isdigit() or not value.startswith("73"):
        return None
    creator = CREATORS_BY_NUMBER.get(int(value[2:5]))
    return (creator, int(value[5:])) if creator is not None else None


def create_time(creator: Creator, index: int) -> int:
    """When video ``index`` was posted (UTC epoch seconds), during the posting day."""
    posted = post_dates(creator)[index]
    seconds = 7 * 3600 + stable_int(15 * 3600, creator.key, "tt-post-time", index)
    moment = datetime.combine(posted, time(), tzinfo=UTC) + timedelta(seconds=seconds)
    return int(moment.timestamp())


def view_factor(creator: Creator, index: int) -> float:
    """TikTok's reach beyond the followers: 2-5x the shared curve's views."""
    return 2.0 + 3.0 * stable_unit(creator.key, "tt-views", index)


def video_item(creator: Creator, index: int, today: date) -> dict[str, object]:
    """Every field of video ``index`` on ``today``."""
    vid = video_id(creator, index)
    stats = post_stats(creator, index, today)
    title = _TITLES[stable_int(len(_TITLES), creator.key, "tt-title", index)].format(n=index + 1)
    duration = 7 + stable_int(170, creator.key, "tt-duration", index)
    share_url = f"https://www.tiktok.com/@{creator.key}/video/{vid}"
    return {
        "id": vid,
        "create_time": create_time(creator, index),
        "cover_image_url": f"https://p16-sign.tiktokcdn-us.com/emulator/{vid}.jpeg",
        "share_url": share_url,
        "video_description": title,
        "duration": duration,
        "height": 1920,
        "width": 1080,
        "title": title,
        "embed_html": f'<blockquote class="tiktok-embed" cite="{share_url}"></blockquote>',
        "embed_link": f"https://www.tiktok.com/player/v1/{vid}",
        "like_count": stats.likes,
        "comment_count": stats.comments,
        "share_count": stats.shares,
        "view_count": round(stats.views * view_factor(creator, index)),
    }


@lru_cache(maxsize=256)
def total_likes(creator: Creator, today: date) -> int:
    """``likes_count``: likes over every published video on ``today``."""
    return sum(post_stats(creator, i, today).likes for i in range(posts_published(creator, today)))


def user_profile(creator: Creator, today: date) -> dict[str, object]:
    """Every User field on ``today``."""
    return {
        "open_id": open_id(creator),
        "union_id": union_id(creator),
        "avatar_url": f"https://p16-sign.tiktokcdn-us.com/emulator/{creator.key}~168x168.jpeg",
        "avatar_url_100": f"https://p16-sign.tiktokcdn-us.com/emulator/{creator.key}~100x100.jpeg",
        "avatar_large_url": f"https://p16-sign.tiktokcdn-us.com/emulator/{creator.key}~1080.jpeg",
        "display_name": creator.display_name,
        "bio_description": f"Hi, I'm {creator.display_name.split()[0]} 👋",
        "profile_deep_link": f"https://vm.tiktok.com/emulator-{creator.key}/",
        "profile_web_link": f"https://www.tiktok.com/@{creator.key}",
        "is_verified": creator.professional and followers(creator, today) >= 10_000,
        "username": creator.key,
        "follower_count": followers(creator, today),
        "following_count": creator.follows,
        "likes_count": total_likes(creator, today),
        "video_count": posts_published(creator, today),
    }


def is_private(creator: Creator) -> bool:
    """A private account: its profile works, its videos are not public so ``video.list`` fails."""
    return not creator.professional
