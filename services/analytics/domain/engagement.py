"""Engagement per post and per account over a range of days.

The definition is the platform clients' (README §7 "Engagement rate"): a post's rate is its
interactions (which ones: the platform's ``engagement_formula``) over the account's followers at
fetch time, in percent; the account's rate over a range is the plain **mean** of the rates of
its posts published in the range. Posts without a rate (no follower base, or no interaction
figure given) are left out and counted, never taken as 0. One account at a time: the formulas
differ per platform, so a mean across platforms would mix different measures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from services.analytics.domain.content import ContentItem, published_between


@dataclass(frozen=True)
class ItemEngagement:
    item_id: str
    platform: str
    published_at: datetime
    engagement_rate: float | None


@dataclass(frozen=True)
class AccountEngagement:
    start: date
    end: date
    posts: int
    """Posts published in the range."""
    posts_rated: int
    """Of those, the posts with a rate: the ones the mean is taken over."""
    mean_rate: float | None
    """Mean of the rated posts' rates, in percent (unrounded); None with no rated post."""
    items: tuple[ItemEngagement, ...]
    """Every post of the range with its own rate, oldest first."""


def account_engagement(
    items: Iterable[ContentItem], start: date, end: date, timezone: str
) -> AccountEngagement:
    """One account's engagement over the posts it published in ``[start, end]`` (local days)."""
    chosen = sorted(
        published_between(items, start, end, timezone), key=lambda i: (i.published_at, i.item_id)
    )
    rates = [i.engagement_rate for i in chosen if i.engagement_rate is not None]
    return AccountEngagement(
        start=start,
        end=end,
        posts=len(chosen),
        posts_rated=len(rates),
        mean_rate=sum(rates) / len(rates) if rates else None,
        items=tuple(
            ItemEngagement(i.item_id, i.platform, i.published_at, i.engagement_rate) for i in chosen
        ),
    )
