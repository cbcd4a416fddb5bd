"""Top content of a range: by the chosen metric, missing values left out, ties settled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.analytics.domain.content import ContentItem
from services.analytics.domain.top_content import RankBy, top_content

START, END = date(2026, 11, 1), date(2026, 11, 30)


def post(item_id: str, day: int, **metrics: object) -> ContentItem:
    at = datetime(2026, 11, day, 12, 0, tzinfo=UTC)
    return ContentItem(item_id, "tiktok", "video", at, **metrics)  # type: ignore[arg-type]


ITEMS = [
    post("a", 2, views=500, likes=10, engagement_rate=1.0),
    post("b", 5, views=900, likes=5, engagement_rate=3.0),
    post("c", 9, views=None, likes=40, engagement_rate=2.0),  # no views: not ranked by views
    post("d", 12, views=500, likes=0, engagement_rate=None),
    post("e", 12, views=500, likes=None),
    post("late", 1, views=10_000),  # outside, below
]
ITEMS.append(ContentItem("dec", "tiktok", "video", datetime(2026, 12, 1, tzinfo=UTC), views=1))


def ids(top: tuple[ContentItem, ...]) -> list[str]:
    return [i.item_id for i in top]


def test_by_views_missing_values_are_left_out_and_ties_go_to_the_later_post() -> None:
    top = top_content(ITEMS, date(2026, 11, 2), END, "UTC", RankBy.VIEWS)
    # b 900; then a, d, e at 500: d and e (Nov 12) before a (Nov 2), d before e by item_id.
    assert ids(top.items) == ["b", "d", "e", "a"]
    assert top.published == 5  # a, b, c, d, e ("late" is Nov 1, "dec" Dec 1)
    assert top.without_metric == 1  # c has no views


def test_the_metric_is_selectable_and_zero_is_a_value() -> None:
    by_likes = top_content(ITEMS, date(2026, 11, 2), END, "UTC", RankBy.LIKES)
    assert ids(by_likes.items) == ["c", "a", "b", "d"]  # 40, 10, 5, 0 (e has none)
    by_rate = top_content(ITEMS, date(2026, 11, 2), END, "UTC")
    assert by_rate.by is RankBy.ENGAGEMENT_RATE
    assert ids(by_rate.items) == ["b", "c", "a"]  # 3.0, 2.0, 1.0


def test_limit() -> None:
    assert ids(top_content(ITEMS, START, END, "UTC", RankBy.VIEWS, limit=2).items) == [
        "late",  # 10,000
        "b",  # 900
    ]
    assert top_content(ITEMS, START, END, "UTC", limit=0).items == ()
    with pytest.raises(ValueError, match="limit"):
        top_content(ITEMS, START, END, "UTC", limit=-1)


def test_an_empty_range_has_no_top_content() -> None:
    top = top_content(ITEMS, date(2026, 11, 20), END, "UTC")
    assert (top.items, top.published, top.without_metric) == ((), 0, 0)


def test_same_value_and_time_on_two_platforms_is_ordered_by_item_id_then_platform() -> None:
    at = datetime(2026, 11, 3, tzinfo=UTC)
    x = ContentItem("p", "x", "post", at, shares=3)
    y = ContentItem("p", "linkedin", "post", at, shares=3)
    z = ContentItem("o", "x", "post", at, shares=3)
    top = top_content([x, y, z], START, END, "UTC", RankBy.SHARES)
    assert top.items == (z, y, x)  # "o" < "p"; then "linkedin" < "x"
