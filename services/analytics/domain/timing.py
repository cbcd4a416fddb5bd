"""Best time to post: weekday x hour on the client's clock, with the evidence behind it.

Each rated post (one with an engagement rate) is put in the bucket of the weekday and hour of
its ``published_at`` converted to the client's IANA time zone (zoneinfo, so a post at 17:00 UTC
is 18:00 in Berlin in winter and 19:00 in summer). A bucket's score is the **median**
engagement rate of its posts — one viral post moves a median far less than a mean — and every
bucket carries its number of posts.

Minimums: a bucket with fewer than ``MIN_BUCKET_POSTS`` (3) posts gets no score (its count is
still shown), and with fewer than ``MIN_TOTAL_POSTS`` (10) rated posts overall there is no best
slot, weekday or hour at all. The same holds for the weekday-only and hour-only summaries. The
best bucket is the highest score; a tie goes to the bucket with more posts, then to the earlier
one (Monday first, then hour 0 first). Weekdays are numbered 0 = Monday to 6 = Sunday.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from statistics import median

from services.analytics.domain.content import ContentItem

MIN_BUCKET_POSTS = 3
MIN_TOTAL_POSTS = 10

Key = tuple[int | None, int | None]


@dataclass(frozen=True)
class Bucket:
    weekday: int | None
    """0 = Monday .. 6 = Sunday; None in the hour-only summary."""
    hour: int | None
    """0 .. 23, local; None in the weekday-only summary."""
    posts: int
    median_rate: float | None
    """Median engagement rate in percent; None under ``min_bucket_posts`` posts."""


@dataclass(frozen=True)
class PostingTimes:
    timezone: str
    posts_rated: int
    """The posts the buckets are made of."""
    posts_without_rate: int
    """Posts left out: the platform gave them no engagement rate."""
    slots: tuple[Bucket, ...]
    """Every (weekday, hour) with at least one post, in week order."""
    weekdays: tuple[Bucket, ...]
    hours: tuple[Bucket, ...]
    best_slot: Bucket | None
    """None under ``min_total_posts`` rated posts, or when no bucket has a score."""
    best_weekday: Bucket | None
    best_hour: Bucket | None


def _buckets(
    posts: list[tuple[int, int, float]], key: Callable[[int, int], Key], minimum: int
) -> tuple[Bucket, ...]:
    groups: dict[Key, list[float]] = defaultdict(list)
    for weekday, hour, rate in posts:
        groups[key(weekday, hour)].append(rate)
    return tuple(
        Bucket(k[0], k[1], len(rates), median(rates) if len(rates) >= minimum else None)
        for k, rates in sorted(groups.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0))
    )


def _best(buckets: tuple[Bucket, ...], enough: bool) -> Bucket | None:
    scored = [b for b in buckets if b.median_rate is not None]
    if not enough or not scored:
        return None
    # ``buckets`` is in week order, so the first of equal (score, posts) is the earliest.
    return max(scored, key=lambda b: (b.median_rate, b.posts))


def posting_times(
    items: Iterable[ContentItem],
    timezone: str,
    *,
    min_bucket_posts: int = MIN_BUCKET_POSTS,
    min_total_posts: int = MIN_TOTAL_POSTS,
) -> PostingTimes:
    """Buckets and best times of one account's ``items`` (filter by range beforehand)."""
    posts: list[tuple[int, int, float]] = []
    unrated = 0
    for item in items:
        if item.engagement_rate is None:
            unrated += 1
            continue
        local = item.local_time(timezone)
        posts.append((local.weekday(), local.hour, item.engagement_rate))
    enough = len(posts) >= min_total_posts
    slots = _buckets(posts, lambda w, h: (w, h), min_bucket_posts)
    weekdays = _buckets(posts, lambda w, h: (w, None), min_bucket_posts)
    hours = _buckets(posts, lambda w, h: (None, h), min_bucket_posts)
    return PostingTimes(
        timezone=timezone,
        posts_rated=len(posts),
        posts_without_rate=unrated,
        slots=slots,
        weekdays=weekdays,
        hours=hours,
        best_slot=_best(slots, enough),
        best_weekday=_best(weekdays, enough),
        best_hour=_best(hours, enough),
    )
