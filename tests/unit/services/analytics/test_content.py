"""Content items: aware times, local publishing days, one version per item."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.analytics.domain.content import ContentItem, latest_versions, published_between


def item(item_id: str, at: datetime, platform: str = "instagram", **kw: object) -> ContentItem:
    return ContentItem(item_id, platform, "post", at, **kw)  # type: ignore[arg-type]


def test_a_naive_publishing_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        item("a", datetime(2026, 11, 3, 12, 0))


def test_the_publishing_day_is_read_in_the_clients_time_zone() -> None:
    # 03:30 UTC on Nov 4 is 22:30 on Nov 3 in New York (EST, UTC-5 since Nov 1).
    late = item("late", datetime(2026, 11, 4, 3, 30, tzinfo=UTC))
    nov3 = date(2026, 11, 3)
    assert published_between([late], nov3, nov3, "America/New_York") == (late,)
    assert published_between([late], nov3, nov3, "UTC") == ()
    assert published_between([late], date(2026, 11, 4), date(2026, 11, 4), "UTC") == (late,)


def test_an_empty_selection_and_a_reversed_range() -> None:
    assert published_between([], date(2026, 11, 1), date(2026, 11, 30), "UTC") == ()
    with pytest.raises(ValueError, match="before it starts"):
        published_between([], date(2026, 11, 30), date(2026, 11, 1), "UTC")


def test_latest_versions_keep_each_items_newest_metrics_whatever_the_order() -> None:
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    old, new = item("a", at, views=100), item("a", at, views=250)
    other_platform = item("a", at, platform="tiktok", views=7)
    seen = [(date(2026, 11, 2), new), (date(2026, 11, 1), old), (date(2026, 11, 2), other_platform)]
    # Sorted by (platform, item_id): instagram before tiktok; instagram's Nov 2 version wins.
    assert latest_versions(seen) == (new, other_platform)
    assert latest_versions(reversed(seen)) == (new, other_platform)
