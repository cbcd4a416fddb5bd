"""Facebook's view of the shared demo creators: users, Pages, posts and Page insights.

Page audiences are the creators' shared curves times a stable per-creator factor (a Page reaches
part of the person's audience), so every number moves with the creator's curve and is the same
in every process. Professional creators own one Page linked to their Instagram professional
account; ``personal_pat`` has no Page at all.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from emulator.creators import (
    ALL_CREATORS,
    CREATORS_BY_NUMBER,
    Creator,
    day_activity,
    followers,
    post_stats,
    stable_int,
    stable_unit,
)
from emulator.instagram import data as instagram

SCOPES: tuple[str, ...] = (
    "public_profile",
    "email",
    "pages_show_list",
    "pages_read_engagement",
    "read_insights",
    "instagram_basic",
    "instagram_manage_insights",
    "business_management",
)
SCOPE_LABELS: dict[str, str] = {
    "public_profile": "Your name and profile picture",
    "email": "Your email address",
    "pages_show_list": "Show a list of the Pages you manage",
    "pages_read_engagement": "Read content posted on your Pages",
    "read_insights": "Read insights of your Pages",
    "instagram_basic": "Access profile and posts from the Instagram account connected to your Page",
    "instagram_manage_insights": "Access insights for the Instagram account connected to your Page",
    "business_management": "Manage your business",
}
PAGES_SCOPE = "pages_show_list"
ENGAGEMENT_SCOPE = "pages_read_engagement"
INSIGHTS_SCOPE = "read_insights"
IG_BASIC_SCOPE = "instagram_basic"
IG_INSIGHTS_SCOPE = "instagram_manage_insights"

USER_FIELDS: tuple[str, ...] = ("id", "name", "first_name", "last_name")
ACCOUNT_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "username",
    "category",
    "access_token",
    "tasks",
    "followers_count",
    "fan_count",
    "instagram_business_account",
)
PAGE_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "username",
    "category",
    "link",
    "followers_count",
    "fan_count",
    "instagram_business_account",
)
POST_FIELDS: tuple[str, ...] = (
    "id",
    "message",
    "created_time",
    "permalink_url",
    "status_type",
    "shares",
    "reactions",
    "comments",
)
IG_USER_FIELDS: tuple[str, ...] = (
    "id",
    "ig_id",
    "username",
    "name",
    "biography",
    "website",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
)

PAGE_METRICS: dict[str, tuple[str, str]] = {
    "page_media_view": ("Media views", "The number of times your content was played or displayed."),
    "page_total_media_view_unique": (
        "Media viewers",
        "The number of people who had any content from your Page enter their screen.",
    ),
    "page_post_engagements": (
        "Post engagements",
        "The number of times people have engaged with your posts through reactions, comments "
        "and shares.",
    ),
    "page_daily_follows_unique": ("Daily follows", "The number of new followers of your Page."),
    "page_follows": ("Follows", "The total number of people who follow your Page."),
    "page_views_total": ("Page views", "The number of times a Page's profile has been viewed."),
}
RETIRED_METRIC_PREFIXES: tuple[str, ...] = ("page_fans", "page_impressions", "post_impressions")
"""Retired families (2025-2026): asking for one fails the whole request with code 100."""

INSIGHTS_MIN_FOLLOWERS = 100
"""Page Insights are only available for Pages with at least 100 likes/followers."""
INSIGHTS_MAX_WINDOW_DAYS = 90
INSIGHTS_RETENTION_DAYS = 730


def has_page(creator: Creator) -> bool:
    """Professional creators own one Page; personal accounts have none."""
    return creator.professional


def user_id(creator: Creator) -> str:
    """The app-scoped Facebook user id."""
    return "10" + f"{stable_int(10**15, creator.key, 'fb-user'):015d}"


def page_id(creator: Creator) -> str:
    """The Page id (15 digits, like real Page ids)."""
    return "1" + f"{stable_int(10**14, creator.key, 'fb-page'):014d}"


_BY_USER: dict[str, Creator] = {user_id(c): c for c in ALL_CREATORS}
_BY_PAGE: dict[str, Creator] = {page_id(c): c for c in ALL_CREATORS if has_page(c)}


def creator_for_user(node: str) -> Creator | None:
    """The creator behind an app-scoped user id."""
    return _BY_USER.get(node)


def creator_for_page(node: str) -> Creator | None:
    """The creator owning Page ``node``."""
    return _BY_PAGE.get(node)


def audience_factor(creator: Creator) -> float:
    """The share of the creator's audience that follows the Page (stable, 0.35-0.85)."""
    return 0.35 + 0.5 * stable_unit(creator.key, "facebook-audience")


def page_followers(creator: Creator, day: date) -> int:
    """Page followers on ``day`` (0 for a creator without audience)."""
    return round(followers(creator, day) * audience_factor(creator))


def fan_count(creator: Creator, day: date) -> int:
    """Page likes: most followers also like the Page."""
    return round(page_followers(creator, day) * (0.85 + 0.1 * stable_unit(creator.key, "fb-fans")))


def page_node(creator: Creator, today: date) -> dict[str, object]:
    """Every field of the Page node (except tokens) on ``today``."""
    username = creator.key.replace("_", ".")
    return {
        "id": page_id(creator),
        "name": creator.display_name,
        "username": username,
        "category": "Digital creator",
        "link": f"https://www.facebook.com/{username}",
        "followers_count": page_followers(creator, today),
        "fan_count": fan_count(creator, today),
        "instagram_business_account": {"id": instagram.professional_id(creator)},
    }


def ig_user_node(creator: Creator, today: date) -> dict[str, object]:
    """The Instagram professional account as the Facebook Login API shows it."""
    profile = instagram.user_profile(creator, today)
    return {
        **{k: v for k, v in profile.items() if k in IG_USER_FIELDS},
        "id": instagram.professional_id(creator),
        "ig_id": instagram.app_scoped_id(creator) % 10**10,
        "biography": f"{creator.display_name} · creator",
        "website": f"https://example.com/{creator.key}",
    }


def post_id(creator: Creator, index: int) -> str:
    """``{page-id}_{post}``; the post part encodes creator and index so no storage is needed."""
    return f"{page_id(creator)}_7{creator.number:03d}{index:012d}"


def parse_post_id(node: str) -> tuple[Creator, int] | None:
    """Inverse of :func:`post_id`."""
    page, _, post = node.partition("_")
    creator = creator_for_page(page)
    if creator is None or len(post) != 16 or not post.isdigit() or post[0] != "7":
        return None
    if CREATORS_BY_NUMBER.get(int(post[1:4])) is not creator:
        return None
    return creator, int(post[4:])


@dataclass(frozen=True)
class PostCounts:
    """What a Page post's edges count on a given date."""

    reactions: int
    comments: int
    shares: int


def post_counts(creator: Creator, index: int, today: date) -> PostCounts:
    """The post's Instagram numbers scaled to the Page's audience."""
    stats = post_stats(creator, index, today)
    factor = audience_factor(creator)
    return PostCounts(
        reactions=round(stats.likes * factor),
        comments=round(stats.comments * factor),
        shares=round(stats.shares * factor),
    )


def post_node(creator: Creator, index: int, today: date) -> dict[str, object]:
    """Plain fields of post ``index`` (the same post as on Instagram) on ``today``.

    ``shares`` is absent when a post was never shared, as the Graph API does.
    """
    media = instagram.media_item(creator, index, today)
    node: dict[str, object] = {
        "id": post_id(creator, index),
        "message": media["caption"],
        "created_time": media["timestamp"],
        "permalink_url": f"https://www.facebook.com/{page_id(creator)}/posts/{index + 1}",
        "status_type": "added_video" if media["media_type"] == "VIDEO" else "added_photos",
    }
    shares = post_counts(creator, index, today).shares
    if shares:
        node["shares"] = {"count": shares}
    return node


def page_metric_value(creator: Creator, name: str, day: date) -> int:
    """The daily value dated ``day`` (end_time ``day`` 08:00 UTC covers the day before)."""
    if name == "page_follows":
        return page_followers(creator, day)
    if name == "page_daily_follows_unique":
        return max(0, page_followers(creator, day) - page_followers(creator, day - timedelta(1)))
    factor = audience_factor(creator)
    activity = day_activity(creator, day - timedelta(days=1))
    if name == "page_media_view":
        return round(activity.views * factor)
    if name == "page_total_media_view_unique":
        return round(activity.reach * factor)
    if name == "page_post_engagements":
        return round(activity.interactions * factor)
    if name == "page_views_total":
        return round(activity.profile_links_taps * 6 * factor)
    raise KeyError(name)
