"""X's view of the shared demo creators: ids, user and post objects, field catalogue.

Numbers come from :mod:`emulator.creators` (the same people on every platform). What only X has
is derived deterministically from the shared curves: a post's ``shares`` split into retweets and
quotes, its link and profile clicks as a share of its reach, the user's listed and like counts.
"""

import base64
from datetime import UTC, date, datetime, time, timedelta

from emulator.creators import (
    ALL_CREATORS,
    CREATORS_BY_NUMBER,
    DEMO_NUMBER_BASE,
    Creator,
    followers,
    post_dates,
    post_stats,
    posts_published,
    stable_int,
    stable_unit,
)

SCOPES: dict[str, str] = {
    "tweet.read": "Posts you can view, including posts from protected accounts",
    "users.read": "Any account you can view, including protected accounts",
    "offline.access": "Stay connected to your account until you revoke access",
    "tweet.write": "Post and repost for you",
    "like.read": "Posts you've liked and likes you can view",
    "follows.read": "People who follow you and people who you follow",
    "list.read": "Lists, list members, and list followers you can view",
    "bookmark.read": "Get your bookmarked posts",
}
"""OAuth 2.0 scopes the consent page knows, with the wording X shows for them."""

READ_SCOPES: frozenset[str] = frozenset({"tweet.read", "users.read"})
"""Both are required by ``/2/users/me`` and ``/2/users/:id/tweets``."""
OFFLINE_SCOPE = "offline.access"

USER_FIELDS: tuple[str, ...] = (
    "created_at",
    "description",
    "id",
    "location",
    "name",
    "profile_image_url",
    "protected",
    "public_metrics",
    "url",
    "username",
    "verified",
    "verified_type",
)
TWEET_FIELDS: tuple[str, ...] = (
    "author_id",
    "conversation_id",
    "created_at",
    "edit_history_tweet_ids",
    "id",
    "lang",
    "non_public_metrics",
    "organic_metrics",
    "possibly_sensitive",
    "public_metrics",
    "reply_settings",
    "text",
)
PRIVATE_TWEET_FIELDS: frozenset[str] = frozenset({"non_public_metrics", "organic_metrics"})
"""Only the author gets them, and only for posts of the last 30 days."""
PRIVATE_METRICS_DAYS = 30

TWITTER_EPOCH_MS = 1288834974657
"""Snowflake ids count milliseconds from this instant (2010-11-04)."""
_INDEX_BITS = 17
_CREATOR_BITS = 5
_DEMO_INDEX_BITS = 10
"""A generated demo creator's posts: creator field 0, then its number and index share the 17
bits (7 + 10); the hand-written creators (1 … 31) keep their ids."""

_TEXTS: tuple[str, ...] = (
    "Shipping something new today. More soon 👀",
    "Thread: three things I learned this week 🧵",
    "Hot take: consistency beats intensity. Every time.",
    "Good morning! What are you working on today?",
    "Part {n} of the series is live — link in bio",
    "Thank you all for the kind replies yesterday ❤️",
    "Trying a new format today, tell me what you think",
    "Ask me anything for the next hour 👇",
)


def user_id(creator: Creator) -> str:
    """The numeric user id (19 digits, like X's newer ids)."""
    return str(1_400_000_000_000_000_000 + stable_int(10**17, creator.key, "x-user"))


_BY_USER_ID: dict[str, Creator] = {user_id(c): c for c in ALL_CREATORS}


def creator_for_user_id(value: str) -> Creator | None:
    """The creator behind a user id."""
    return _BY_USER_ID.get(value)


def is_protected(creator: Creator) -> bool:
    """Personal demo accounts keep their posts protected (followers only)."""
    return not creator.professional


def posted_at(creator: Creator, index: int) -> datetime:
    """When post ``index`` was published (UTC), on its scheduled day."""
    seconds = 6 * 3600 + stable_int(16 * 3600, creator.key, "x-post-time", index)
    return datetime.combine(post_dates(creator)[index], time(), UTC) + timedelta(seconds=seconds)


def tweet_id(creator: Creator, index: int) -> str:
    """A snowflake id: the publication time, then the creator and post index in the low bits."""
    ms = int(posted_at(creator, index).timestamp() * 1000) - TWITTER_EPOCH_MS
    if creator.number >= DEMO_NUMBER_BASE:
        demo = creator.number - DEMO_NUMBER_BASE
        return str((ms << 22) | (demo << _DEMO_INDEX_BITS) | index)
    return str((ms << 22) | (creator.number << _INDEX_BITS) | index)


def parse_tweet_id(value: str) -> tuple[Creator, int] | None:
    """Inverse of :func:`tweet_id` (``None`` for ids we never issued)."""
    if not value.isdigit():
        return None
    raw = int(value)
    index = raw & ((1 << _INDEX_BITS) - 1)
    number = (raw >> _INDEX_BITS) & ((1 << _CREATOR_BITS) - 1)
    if number == 0:
        number = DEMO_NUMBER_BASE + (index >> _DEMO_INDEX_BITS)
        index &= (1 << _DEMO_INDEX_BITS) - 1
    creator = CREATORS_BY_NUMBER.get(number)
    if creator is None or index >= len(post_dates(creator)):
        return None
    return (creator, index) if tweet_id(creator, index) == value else None


def x_time(moment: datetime) -> str:
    """X's timestamp format: ``2026-11-19T14:03:11.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def user_object(creator: Creator, today: date) -> dict[str, object]:
    """Every user field on ``today``."""
    count = followers(creator, today)
    posts = posts_published(creator, today)
    listed = round(count * (0.001 + 0.003 * stable_unit(creator.key, "x-listed")))
    likes_given = 150 + stable_int(2_000, creator.key, "x-likes") + 3 * posts
    return {
        "created_at": "2019-03-14T09:26:53.000Z",
        "description": f"{creator.display_name} — demo creator of the platform emulator",
        "id": user_id(creator),
        "location": "Emulator",
        "name": creator.display_name,
        "profile_image_url": f"https://pbs.twimg.com/profile_images/emulator/{creator.key}.jpg",
        "protected": is_protected(creator),
        "public_metrics": {
            "followers_count": count,
            "following_count": creator.follows,
            "tweet_count": posts,
            "listed_count": listed,
            "like_count": likes_given,
        },
        "url": "",
        "username": creator.key,
        "verified": False,
        "verified_type": "none",
    }


def private_metrics_available(creator: Creator, index: int, today: date) -> bool:
    """Whether X still gives the author this post's non-public metrics (last 30 days)."""
    return (today - post_dates(creator)[index]).days < PRIVATE_METRICS_DAYS


def tweet_object(creator: Creator, index: int, today: date) -> dict[str, object]:
    """Every field of post ``index`` on ``today`` (private metrics included; callers filter)."""
    stats = post_stats(creator, index, today)
    quotes = round(stats.shares * (0.15 + 0.25 * stable_unit(creator.key, "x-quote", index)))
    link_clicks = round(stats.reach * (0.001 + 0.006 * stable_unit(creator.key, "x-link", index)))
    profile_clicks = round(
        stats.reach * (0.004 + 0.012 * stable_unit(creator.key, "x-profile", index))
    )
    identifier = tweet_id(creator, index)
    text = _TEXTS[stable_int(len(_TEXTS), creator.key, "x-text", index)].format(n=index + 1)
    public = {
        "retweet_count": stats.shares - quotes,
        "reply_count": stats.comments,
        "like_count": stats.likes,
        "quote_count": quotes,
        "bookmark_count": stats.saves,
        "impression_count": stats.views,
    }
    return {
        "author_id": user_id(creator),
        "conversation_id": identifier,
        "created_at": x_time(posted_at(creator, index)),
        "edit_history_tweet_ids": [identifier],
        "id": identifier,
        "lang": "en",
        "non_public_metrics": {
            "impression_count": stats.views,
            "url_link_clicks": link_clicks,
            "user_profile_clicks": profile_clicks,
        },
        "organic_metrics": {
            "impression_count": stats.views,
            "like_count": stats.likes,
            "reply_count": stats.comments,
            "retweet_count": stats.shares - quotes,
            "url_link_clicks": link_clicks,
            "user_profile_clicks": profile_clicks,
        },
        "possibly_sensitive": False,
        "public_metrics": public,
        "reply_settings": "everyone",
        "text": text,
    }


def encode_page_token(index: int) -> str:
    """An opaque ``next_token``: the index of the newest post on the next page."""
    raw = f"x-timeline:{index}".encode()
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def decode_page_token(token: str) -> int | None:
    """Inverse of :func:`encode_page_token`; ``None`` for tokens we never issued."""
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    prefix, _, index = raw.partition(":")
    if prefix != "x-timeline" or not index.isdigit():
        return None
    return int(index)
