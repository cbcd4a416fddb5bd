"""Best posting time: weekday x hour on the client's clock, medians with their sample sizes."""

from __future__ import annotations

from datetime import UTC, datetime

from services.analytics.domain.content import ContentItem
from services.analytics.domain.timing import Bucket, posting_times

BERLIN = "Europe/Berlin"
MON, TUE, WED, THU = 0, 1, 2, 3


def post(n: int, at: datetime, rate: float | None) -> ContentItem:
    return ContentItem(f"p{n}", "instagram", "reel", at, engagement_rate=rate)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# 17:00 UTC is 18:00 in Berlin in winter (CET, +1) and 19:00 in summer (CEST, +2).
ITEMS = [
    post(1, utc(1, 5, 17), 1.0),  # Mon Jan 5, 18:00
    post(2, utc(1, 12, 17), 2.0),  # Mon Jan 12, 18:00
    post(3, utc(1, 19, 17), 9.0),  # Mon Jan 19, 18:00
    post(4, utc(7, 7, 17), 3.0),  # Tue Jul 7, 19:00
    post(5, utc(7, 14, 17), 3.0),  # Tue Jul 14, 19:00
    post(6, utc(7, 21, 17), 4.0),  # Tue Jul 21, 19:00
    post(7, utc(7, 28, 17), 5.0),  # Tue Jul 28, 19:00
    post(8, utc(1, 7, 8), 10.0),  # Wed Jan 7, 09:00
    post(9, utc(1, 14, 8), 10.0),  # Wed Jan 14, 09:00
    post(10, utc(1, 8, 11), 1.0),  # Thu Jan 8, 12:00
    post(11, utc(1, 8, 11), None),  # no rate: left out, counted
]


def test_buckets_on_the_local_clock_with_medians_only_from_three_posts() -> None:
    times = posting_times(ITEMS, BERLIN)
    assert times.posts_rated == 10  # 3 + 4 + 2 + 1
    assert times.posts_without_rate == 1
    assert times.slots == (
        Bucket(MON, 18, 3, 2.0),  # median of 1, 2, 9
        Bucket(TUE, 19, 4, 3.5),  # median of 3, 3, 4, 5 = (3 + 4) / 2
        Bucket(WED, 9, 2, None),  # 2 posts < 3: no score, though both were 10
        Bucket(THU, 12, 1, None),  # 1 post < 3
    )
    assert times.best_slot == Bucket(TUE, 19, 4, 3.5)  # 3.5 > 2.0


def test_weekday_only_and_hour_only_summaries() -> None:
    times = posting_times(ITEMS, BERLIN)
    assert times.weekdays == (
        Bucket(MON, None, 3, 2.0),
        Bucket(TUE, None, 4, 3.5),
        Bucket(WED, None, 2, None),
        Bucket(THU, None, 1, None),
    )
    assert times.hours == (
        Bucket(None, 9, 2, None),
        Bucket(None, 12, 1, None),
        Bucket(None, 18, 3, 2.0),
        Bucket(None, 19, 4, 3.5),
    )
    assert times.best_weekday == Bucket(TUE, None, 4, 3.5)
    assert times.best_hour == Bucket(None, 19, 4, 3.5)


def test_below_the_total_minimum_there_is_no_best_time() -> None:
    times = posting_times(ITEMS[1:], BERLIN)  # 9 rated posts < 10
    assert times.posts_rated == 9
    assert (times.best_slot, times.best_weekday, times.best_hour) == (None, None, None)
    assert times.slots[0] == Bucket(MON, 18, 2, None)  # Jan 12 and 19 only: under 3
    assert times.slots[1] == Bucket(TUE, 19, 4, 3.5)  # still shown, with its sample


def test_no_posts() -> None:
    times = posting_times([], BERLIN)
    assert (times.posts_rated, times.slots, times.best_slot) == (0, (), None)


def test_the_dst_change_moves_the_local_hour() -> None:
    # Sunday Mar 29, 2026: Berlin jumps from 02:00 CET to 03:00 CEST at 01:00 UTC.
    before, after = post(1, utc(3, 29, 0, 30), 1.0), post(2, utc(3, 29, 1, 30), 1.0)
    times = posting_times([before, after], BERLIN, min_bucket_posts=1, min_total_posts=1)
    assert [(b.weekday, b.hour) for b in times.slots] == [(6, 1), (6, 3)]  # 01:30 CET, 03:30 CEST


def test_ties_go_to_more_posts_then_to_the_earlier_slot() -> None:
    def three(first: int, day: int, hour: int, n: int = 3) -> list[ContentItem]:
        return [post(first + k, utc(1, day + 7 * k, hour), 2.0) for k in range(n)]

    mon, tue = three(0, 5, 8), three(10, 6, 8, n=4)  # Mon 09:00 x3, Tue 09:00 x4, all 2.0
    best = posting_times(mon + tue, BERLIN, min_total_posts=7).best_slot
    assert best == Bucket(TUE, 9, 4, 2.0)  # same median 2.0; 4 posts beat 3
    wed = three(20, 7, 8)  # Wed 09:00 x3, 2.0
    best = posting_times(mon + wed, BERLIN, min_total_posts=6).best_slot
    assert best == Bucket(MON, 9, 3, 2.0)  # same median and posts: Monday comes first
