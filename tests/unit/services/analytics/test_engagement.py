"""Engagement per post and per account: the mean of the rated posts of the range."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.analytics.domain.content import ContentItem
from services.analytics.domain.engagement import ItemEngagement, account_engagement

START, END = date(2026, 11, 1), date(2026, 11, 30)


def post(item_id: str, day: int, rate: float | None, month: int = 11) -> ContentItem:
    at = datetime(2026, month, day, 12, 0, tzinfo=UTC)
    return ContentItem(item_id, "instagram", "post", at, engagement_rate=rate)


def test_the_account_rate_is_the_mean_of_its_rated_posts_in_the_range() -> None:
    items = [
        post("c", 20, 6.0),
        post("a", 2, 2.0),
        post("b", 10, 4.0),
        post("n", 15, None),  # no rate: left out, counted
        post("out", 1, 50.0, month=12),  # Dec 1: outside the range
    ]
    result = account_engagement(items, START, END, "UTC")
    assert result.posts == 4  # a, b, n, c
    assert result.posts_rated == 3  # a, b, c
    assert result.mean_rate == 4.0  # (2 + 4 + 6) / 3
    assert [i.item_id for i in result.items] == ["a", "b", "n", "c"]  # oldest first
    assert result.items[2] == ItemEngagement("n", "instagram", items[3].published_at, None)


def test_a_zero_rate_counts_as_a_rate() -> None:
    result = account_engagement([post("a", 3, 0.0), post("b", 4, 3.0)], START, END, "UTC")
    assert result.mean_rate == 1.5  # (0 + 3) / 2


def test_no_posts_or_no_rated_posts_give_no_rate() -> None:
    empty = account_engagement([], START, END, "UTC")
    assert (empty.posts, empty.posts_rated, empty.mean_rate) == (0, 0, None)
    unrated = account_engagement([post("a", 3, None), post("b", 4, None)], START, END, "UTC")
    assert (unrated.posts, unrated.posts_rated, unrated.mean_rate) == (2, 0, None)


def test_non_round_means_are_not_rounded() -> None:
    result = account_engagement(
        [post("a", 3, 1.0), post("b", 4, 1.0), post("c", 5, 2.0)], START, END, "UTC"
    )
    assert result.mean_rate == pytest.approx(1.3333333)  # 4 / 3
