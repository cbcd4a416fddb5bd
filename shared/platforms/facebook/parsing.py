"""Facebook's answers → platform-neutral values (Page posts as content items)."""

from __future__ import annotations

from typing import Any

from shared.events.snapshots import CAPTION_LENGTH, ContentItem
from shared.platforms.base import engagement_rate, int_or_none
from shared.platforms.meta import parse_meta_time


def summary_count(edge: Any) -> int | None:
    """``{"data": [], "summary": {"total_count": n}}`` → n (None when no summary came back)."""
    if not isinstance(edge, dict):
        return None
    return int_or_none((edge.get("summary") or {}).get("total_count"))


def shares_count(post: dict[str, Any]) -> int:
    """``shares`` is only present once a post has been shared: absent means 0."""
    shares = post.get("shares")
    return (int_or_none(shares.get("count")) or 0) if isinstance(shares, dict) else 0


def post_item(post: dict[str, Any], followers: int | None) -> ContentItem:
    """A Page post; reactions (all kinds) are reported as likes."""
    reactions = summary_count(post.get("reactions"))
    comments = summary_count(post.get("comments"))
    shares = shares_count(post)
    interactions = (reactions or 0) + (comments or 0) + shares
    message = post.get("message")
    return ContentItem(
        item_id=str(post["id"]),
        kind="post",
        published_at=parse_meta_time(post.get("created_time")),
        url=post.get("permalink_url"),
        caption=str(message)[:CAPTION_LENGTH] if message else None,
        likes=reactions,
        comments=comments,
        shares=shares,
        engagement_rate=engagement_rate(interactions, followers),
    )
