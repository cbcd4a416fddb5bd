"""LinkedIn's answers → platform-neutral values, and the Rest.li 2.0 syntax of its queries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from shared.events.snapshots import CAPTION_LENGTH, ContentItem
from shared.platforms.base import engagement_rate, int_or_none


def elements(body: Any) -> list[dict[str, Any]]:
    found = body.get("elements") if isinstance(body, dict) else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def has_next(body: Any) -> bool:
    paging = body.get("paging") if isinstance(body, dict) else None
    links = paging.get("links") if isinstance(paging, dict) else None
    return any(isinstance(link, dict) and link.get("rel") == "next" for link in links or [])


def metric_name(element: dict[str, Any]) -> str | None:
    """``metricType`` as a string (202605+) or a one-key union object (earlier versions)."""
    value = element.get("metricType")
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        return inner if isinstance(inner, str) else None
    return None


def total_count(body: Any, name: str) -> dict[str, int]:
    """A TOTAL answer → ``{name: count}``; no element means no data (not 0)."""
    for element in elements(body):
        count = int_or_none(element.get("count"))
        if count is not None and metric_name(element) in (name, None):
            return {name: count}
    return {}


def li_date(value: Any) -> date | None:
    if not isinstance(value, dict):
        return None
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def range_start(element: dict[str, Any]) -> date | None:
    """The day a daily element describes (``dateRange.start``; ``end`` is exclusive)."""
    window = element.get("dateRange")
    return li_date(window.get("start")) if isinstance(window, dict) else None


def date_range(start: date, end: date) -> str:
    """Rest.li 2.0 ``dateRange`` (end exclusive), unencoded as the protocol wants."""

    def one(day: date) -> str:
        return f"(year:{day.year},month:{day.month},day:{day.day})"

    return f"(start:{one(start)},end:{one(end)})"


def entity_param(urn: str) -> str | None:
    """``(share:urn%3Ali%3Ashare%3A…)`` or ``(ugc:urn%3Ali%3AugcPost%3A…)``."""
    if urn.startswith("urn:li:share:"):
        return f"(share:{quote(urn, safe='')})"
    if urn.startswith("urn:li:ugcPost:"):
        return f"(ugc:{quote(urn, safe='')})"
    return None


def post_item(post: dict[str, Any], followers: int | None, counts: dict[str, int]) -> ContentItem:
    reactions, comments = counts.get("REACTION"), counts.get("COMMENT")
    reshares = counts.get("RESHARE")
    known = [v for v in (reactions, comments, reshares) if v is not None]
    urn = str(post["id"])
    commentary = post.get("commentary")
    media = (
        (post.get("content") or {}).get("media") if isinstance(post.get("content"), dict) else None
    )
    video = urn.startswith("urn:li:ugcPost:") and isinstance(media, dict)
    return ContentItem(
        item_id=urn,
        kind="video" if video or "video" in str((media or {}).get("id", "")) else "post",
        published_at=epoch_ms(post.get("publishedAt") or post.get("createdAt")),
        url=f"https://www.linkedin.com/feed/update/{urn}/",
        caption=str(commentary)[:CAPTION_LENGTH] if commentary else None,
        views=counts.get("IMPRESSION"),
        reach=counts.get("MEMBERS_REACHED"),
        likes=reactions,
        comments=comments,
        shares=reshares,
        engagement_rate=engagement_rate(sum(known), followers) if known else None,
    )


def _media_id(post: dict[str, Any]) -> str:
    content = post.get("content")
    media = content.get("media") if isinstance(content, dict) else None
    return str(media.get("id") or "") if isinstance(media, dict) else ""


def interactions_rate(totals: dict[str, int], followers: int | None) -> float | None:
    known = [totals[k] for k in ("REACTION", "COMMENT", "RESHARE") if k in totals]
    return engagement_rate(sum(known), followers) if known else None


def epoch_ms(value: Any) -> datetime | None:
    number = int_or_none(value)
    return datetime.fromtimestamp(number / 1000, UTC) if number is not None else None
