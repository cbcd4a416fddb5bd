"""X's answers → platform-neutral values (posts as content items, X-only account metrics)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events.snapshots import CAPTION_LENGTH, ContentItem
from shared.platforms.base import engagement_rate, int_or_none
from shared.platforms.x.errors import problem_kind

Objects = list[dict[str, Any]]


def post_item(post: dict[str, Any], followers: int | None, username: str) -> ContentItem:
    public = post.get("public_metrics") or {}
    private = post.get("non_public_metrics") or {}
    likes = int_or_none(public.get("like_count"))
    replies = int_or_none(public.get("reply_count"))
    retweets = int_or_none(public.get("retweet_count"))
    quotes = int_or_none(public.get("quote_count"))
    bookmarks = int_or_none(public.get("bookmark_count"))
    impressions = int_or_none(public.get("impression_count"))
    if impressions is None:
        impressions = int_or_none(private.get("impression_count"))
    counted = (likes, replies, retweets, quotes, bookmarks)
    shares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)
    text = post.get("text")
    return ContentItem(
        item_id=str(post["id"]),
        kind="post",
        published_at=parse_x_time(post.get("created_at")),
        url=f"https://x.com/{username}/status/{post['id']}",
        caption=str(text)[:CAPTION_LENGTH] if text else None,
        views=impressions,
        likes=likes,
        comments=replies,
        shares=shares,
        saves=bookmarks,
        engagement_rate=(
            engagement_rate(sum(v or 0 for v in counted), followers)
            if any(v is not None for v in counted)
            else None
        ),
    )


def account_metrics(user_metrics: dict[str, Any], posts: Objects) -> dict[str, float]:
    """What only X has: lists, likes given, and the recent posts' private click counts."""
    values: dict[str, float] = {}
    for name in ("listed_count", "like_count"):
        number = int_or_none(user_metrics.get(name))
        if number is not None:
            values[name] = float(number)
    private = [
        p["non_public_metrics"] for p in posts if isinstance(p.get("non_public_metrics"), dict)
    ]
    for name in ("url_link_clicks", "user_profile_clicks"):
        numbers = [int_or_none(m.get(name)) for m in private]
        known = [n for n in numbers if n is not None]
        if known:
            values[f"recent_{name}"] = float(sum(known))
    return values


def refused_everywhere(partial: Objects, posts: Objects) -> set[str]:
    """Fields X refused per post (HTTP 200 partial errors) that no returned post carries.

    ``non_public_metrics`` is refused for posts older than 30 days as a rule: only when not a
    single post got it is it a missing metric rather than an old post's normal state.
    """
    refused = {
        str(e["field"]).split(".", 1)[0]
        for e in partial
        if problem_kind(e) == "not-authorized-for-field" and e.get("field")
    }
    return {field for field in refused if not any(field in post for post in posts)}


def parse_x_time(value: Any) -> datetime | None:
    """``2026-11-19T14:03:11.000Z`` → an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
