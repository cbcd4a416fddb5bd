"""Instagram's view of the shared demo creators: ids, profile and media fields, metric catalogue."""

import base64
from datetime import date, datetime, time, timedelta

from emulator.creators import (
    ALL_CREATORS,
    CREATORS_BY_NUMBER,
    Creator,
    followers,
    is_video,
    post_dates,
    post_stats,
    posts_published,
    stable_int,
    stable_unit,
)

SCOPES: tuple[str, ...] = (
    "instagram_business_basic",
    "instagram_business_manage_insights",
    "instagram_business_content_publish",
    "instagram_business_manage_messages",
    "instagram_business_manage_comments",
)
"""Scopes of Instagram API with Instagram Login (old ``business_*`` names died in Jan 2025)."""

SCOPE_LABELS: dict[str, str] = {
    "instagram_business_basic": "Access your profile and media",
    "instagram_business_manage_insights": "Access insights for your account and media",
    "instagram_business_content_publish": "Publish content",
    "instagram_business_manage_messages": "Manage and access messages",
    "instagram_business_manage_comments": "Manage and access comments",
}
BASIC_SCOPE = "instagram_business_basic"
INSIGHTS_SCOPE = "instagram_business_manage_insights"

USER_FIELDS: tuple[str, ...] = (
    "id",
    "user_id",
    "username",
    "name",
    "account_type",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
)
MEDIA_FIELDS: tuple[str, ...] = (
    "id",
    "caption",
    "media_type",
    "media_product_type",
    "media_url",
    "permalink",
    "shortcode",
    "timestamp",
    "username",
    "like_count",
    "comments_count",
)

MEDIA_METRICS: dict[str, tuple[str, str]] = {
    "views": ("Views", "The number of times the media was played or displayed."),
    "reach": ("Accounts reached", "The number of unique accounts that have seen this media."),
    "saved": ("Saved", "The number of saves of your media."),
    "shares": ("Shares", "The number of shares of your media."),
    "likes": ("Likes", "The number of likes on your media."),
    "comments": ("Comments", "The number of comments on your media."),
    "total_interactions": (
        "Interactions",
        "The number of likes, saves, comments and shares on the media, minus unlikes and unsaves.",
    ),
}
RETIRED_MEDIA_METRICS: frozenset[str] = frozenset({"impressions", "plays", "video_views"})

SERIES_METRICS: dict[str, tuple[str, str]] = {
    "follower_count": (
        "Follower Count",
        "The number of accounts that started following you on each day.",
    ),
    "reach": ("Accounts reached", "The number of unique accounts that have seen your content."),
}
TOTAL_METRICS: dict[str, tuple[str, str]] = {
    "views": ("Views", "The number of times your content was played or displayed."),
    "accounts_engaged": (
        "Accounts engaged",
        "The number of accounts that have interacted with your content.",
    ),
    "total_interactions": (
        "Content interactions",
        "The total number of post interactions, story interactions, reels interactions.",
    ),
    "likes": ("Likes", "The number of likes on your posts, reels and videos."),
    "comments": ("Comments", "The number of comments on your posts, reels, videos and live."),
    "shares": ("Shares", "The number of shares of your posts, stories, reels and videos."),
    "saves": ("Saves", "The number of saves of your posts, reels and videos."),
    "profile_links_taps": (
        "Profile links taps",
        "The number of taps on your business address, call, email and text buttons.",
    ),
    "reach": ("Accounts reached", "The number of unique accounts that have seen your content."),
}
RETIRED_ACCOUNT_METRICS: frozenset[str] = frozenset(
    {"impressions", "profile_views", "website_clicks"}
)
FOLLOWER_COUNT_MIN_FOLLOWERS = 100
FOLLOWER_COUNT_DAYS = 30

_CAPTIONS: tuple[str, ...] = (
    "Morning light and a fresh start ☀️ #daily",
    "Behind the scenes of today's shoot 🎬",
    "Three tips I wish I knew earlier — save this! #tips",
    "Weekend mood. What are you up to?",
    "New series starts today: part {n} 👇",
    "Thank you for all the love on the last one ❤️",
    "Trying something different today #experiment",
    "Q&A time: drop your questions in the comments",
)


def app_scoped_id(creator: Creator) -> int:
    """The app-scoped user id (``/me`` ``id``, token answer ``user_id``)."""
    return 26_000_000_000_000_000 + stable_int(10**15, creator.key, "ig-app-scoped")


def professional_id(creator: Creator) -> str:
    """The Instagram professional account id (``/me`` ``user_id``, ``/{ig-user-id}`` paths)."""
    return "17841" + f"{stable_int(10**12, creator.key, 'ig-user'):012d}"


_BY_NODE_ID: dict[str, Creator] = {}
for _creator in ALL_CREATORS:
    _BY_NODE_ID[str(app_scoped_id(_creator))] = _creator
    _BY_NODE_ID[professional_id(_creator)] = _creator


def creator_for_user_node(node_id: str) -> Creator | None:
    """The creator behind an app-scoped or professional id."""
    return _BY_NODE_ID.get(node_id)


def media_id(creator: Creator, index: int) -> str:
    """17-digit media id that encodes creator and post index, so no storage is needed."""
    return f"18{creator.number:03d}{index:012d}"


def parse_media_id(node_id: str) -> tuple[Creator, int] | None:
    """Inverse of :func:`media_id`."""
    if len(node_id) != 17 or not node_id.isdigit() or not node_id.startswith("18"):
        return None
    creator = CREATORS_BY_NUMBER.get(int(node_id[2:5]))
    if creator is None:
        return None
    return creator, int(node_id[5:])


def account_type(creator: Creator) -> str:
    """``MEDIA_CREATOR`` / ``BUSINESS`` for professional accounts, ``PERSONAL`` otherwise."""
    if not creator.professional:
        return "PERSONAL"
    return "MEDIA_CREATOR" if creator.number % 2 else "BUSINESS"


def meta_time(moment: datetime) -> str:
    """Meta's ISO 8601 flavour: ``2026-11-20T14:03:11+0000``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def end_time(day: date) -> str:
    """End of a daily insights bucket: midnight Pacific (fixed UTC-8) of ``day``."""
    return meta_time(datetime.combine(day, time(8, 0)))


def user_profile(creator: Creator, today: date) -> dict[str, object]:
    """Every profile field of the user node on ``today``."""
    return {
        "id": str(app_scoped_id(creator)),
        "user_id": professional_id(creator),
        "username": creator.key,
        "name": creator.display_name,
        "account_type": account_type(creator),
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/emulator/{creator.key}.jpg",
        "followers_count": followers(creator, today),
        "follows_count": creator.follows,
        "media_count": posts_published(creator, today),
    }


def _shortcode(creator: Creator, index: int) -> str:
    raw = stable_int(2**64, creator.key, "shortcode", index).to_bytes(8, "big")
    return "C" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")[:10]


def media_item(creator: Creator, index: int, today: date) -> dict[str, object]:
    """Every field of media ``index`` on ``today``."""
    posted = post_dates(creator)[index]
    seconds = 6 * 3600 + stable_int(16 * 3600, creator.key, "post-time", index)
    timestamp = datetime.combine(posted, time()) + timedelta(seconds=seconds)
    video = is_video(creator, index)
    carousel = not video and stable_unit(creator.key, "carousel", index) < 0.3
    media_type = "VIDEO" if video else ("CAROUSEL_ALBUM" if carousel else "IMAGE")
    shortcode = _shortcode(creator, index)
    stats = post_stats(creator, index, today)
    caption = _CAPTIONS[stable_int(len(_CAPTIONS), creator.key, "caption", index)]
    return {
        "id": media_id(creator, index),
        "caption": caption.format(n=index + 1),
        "media_type": media_type,
        "media_product_type": "REELS" if video else "FEED",
        "media_url": f"https://scontent.cdninstagram.com/v/emulator/{shortcode}.jpg",
        "permalink": f"https://www.instagram.com/{'reel' if video else 'p'}/{shortcode}/",
        "shortcode": shortcode,
        "timestamp": meta_time(timestamp),
        "username": creator.key,
        "like_count": stats.likes,
        "comments_count": stats.comments,
    }


def media_metric_values(creator: Creator, index: int, today: date) -> dict[str, int]:
    """Lifetime media insights of post ``index`` on ``today``."""
    stats = post_stats(creator, index, today)
    return {
        "views": stats.views,
        "reach": stats.reach,
        "saved": stats.saves,
        "shares": stats.shares,
        "likes": stats.likes,
        "comments": stats.comments,
        "total_interactions": stats.interactions,
    }
