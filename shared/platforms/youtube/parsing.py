"""YouTube's answers → platform-neutral values (channel counters, videos, Analytics columns)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.events.snapshots import CAPTION_LENGTH, ContentItem
from shared.platforms.base import engagement_rate, int_or_none


def subscribers(statistics: dict[str, Any]) -> int | None:
    """The public subscriber count; unknown (None) when the channel hides it."""
    if statistics.get("hiddenSubscriberCount") is True:
        return None
    return int_or_none(statistics.get("subscriberCount"))


def channel_metrics(statistics: dict[str, Any]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    views = int_or_none(statistics.get("viewCount"))
    if views is not None:
        metrics["channel_views"] = float(views)
    if statistics.get("hiddenSubscriberCount") is True:
        metrics["subscribers_hidden"] = 1.0
    return metrics


def video_item(video: dict[str, Any], followers: int | None) -> ContentItem:
    """A video with its public counters (likes/comments absent when the owner hides them)."""
    stats = video.get("statistics") or {}
    snippet = video.get("snippet") or {}
    likes, comments = int_or_none(stats.get("likeCount")), int_or_none(stats.get("commentCount"))
    known = [v for v in (likes, comments) if v is not None]
    title = snippet.get("title")
    return ContentItem(
        item_id=str(video["id"]),
        kind="video",
        published_at=parse_time(snippet.get("publishedAt")),
        url=f"https://www.youtube.com/watch?v={video['id']}",
        caption=str(title)[:CAPTION_LENGTH] if title else None,
        views=int_or_none(stats.get("viewCount")),
        likes=likes,
        comments=comments,
        engagement_rate=engagement_rate(sum(known), followers) if known else None,
    )


def report_columns(body: Any) -> dict[str, dict[date, float]]:
    """An Analytics result table → {metric: {day: value}}, columns found by header name."""
    if not isinstance(body, dict):
        return {}
    names = [str(h.get("name")) for h in body.get("columnHeaders") or [] if isinstance(h, dict)]
    if "day" not in names:
        return {}
    day_at = names.index("day")
    series: dict[str, dict[date, float]] = {n: {} for i, n in enumerate(names) if i != day_at}
    for row in body.get("rows") or []:
        try:
            day = date.fromisoformat(str(row[day_at]))
        except (IndexError, ValueError):
            continue
        for index, name in enumerate(names):
            if index != day_at and index < len(row) and row[index] is not None:
                series[name][day] = float(row[index])
    return series


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
