"""Instagram's answers → platform-neutral values (posts as content items), and field expansion."""

from __future__ import annotations

from typing import Any

from shared.events.snapshots import CAPTION_LENGTH, ContentItem
from shared.platforms.base import engagement_rate, int_or_none
from shared.platforms.meta import parse_meta_time

_KINDS = {"REELS": "reel", "STORY": "story", "VIDEO": "video", "CAROUSEL_ALBUM": "carousel"}


def with_expansion(fields: str, expand: str) -> str:
    """A profile's ``fields`` plus the expanded edges, if any."""
    return f"{fields},{expand}" if expand else fields


def media_item(
    media: dict[str, Any], followers: int | None, insights: dict[str, int]
) -> ContentItem:
    likes = int_or_none(media.get("like_count"))
    comments = int_or_none(media.get("comments_count"))
    saves, shares = insights.get("saved"), insights.get("shares")
    interactions = sum(v or 0 for v in (likes, comments, saves, shares))
    kind = _KINDS.get(str(media.get("media_product_type"))) or _KINDS.get(
        str(media.get("media_type")), "post"
    )
    caption = media.get("caption")
    return ContentItem(
        item_id=str(media["id"]),
        kind=kind,
        published_at=parse_meta_time(media.get("timestamp")),
        url=media.get("permalink"),
        caption=str(caption)[:CAPTION_LENGTH] if caption else None,
        views=insights.get("views"),
        reach=insights.get("reach"),
        likes=likes,
        comments=comments,
        shares=shares,
        saves=saves,
        engagement_rate=engagement_rate(interactions, followers),
    )
