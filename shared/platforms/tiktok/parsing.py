"""TikTok's answers → platform-neutral values (videos as content items, counts as ints)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shared.events.snapshots import CAPTION_LENGTH, ContentItem
from shared.platforms import base
from shared.platforms.base import engagement_rate


def video_item(video: Mapping[str, Any], followers: int | None) -> ContentItem:
    """A ``video/list`` entry → ContentItem; engagement from likes, comments and shares."""
    likes = int_or_none(video.get("like_count"))
    comments = int_or_none(video.get("comment_count"))
    shares = int_or_none(video.get("share_count"))
    counted = [v for v in (likes, comments, shares) if v is not None]
    created = int_or_none(video.get("create_time"))
    title = video.get("title") or video.get("video_description")
    return ContentItem(
        item_id=str(video["id"]),
        kind="video",
        published_at=datetime.fromtimestamp(created, UTC) if created is not None else None,
        url=video.get("share_url"),
        caption=str(title)[:CAPTION_LENGTH] if title else None,
        views=int_or_none(video.get("view_count")),
        likes=likes,
        comments=comments,
        shares=shares,
        engagement_rate=engagement_rate(sum(counted), followers) if counted else None,
    )


def int_or_none(value: Any) -> int | None:
    """Like :func:`shared.platforms.base.int_or_none`, but a JSON boolean is no count."""
    return None if isinstance(value, bool) else base.int_or_none(value)
