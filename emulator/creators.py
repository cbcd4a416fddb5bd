"""Demo creators shared by every platform, and their metrics as pure functions of the date.

The same person appears on several platforms, so everything here is platform-neutral: follower
curves, a posting schedule and per-post / per-day activity. Numbers come from stable hashes
(``blake2b``), never from ``random`` or ``hash()``, so the same date always gives the same numbers
in every process, and tomorrow gives tomorrow's.

Being pure, the functions are memoized (bounded): every platform answer asks for the same few
hundred posts and days over and over, and a hash or a curve is computed once per process.
"""

import hashlib
import math
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

EPOCH = date(2026, 11, 1)
"""Anchor of every curve: ``base_followers`` is the follower count on this date."""

SCHEDULE_END = EPOCH + timedelta(days=3 * 365)
"""Posting schedules are generated up to here (dates after it see no new posts)."""


@lru_cache(maxsize=1 << 16, typed=True)
def stable_unit(*parts: object) -> float:
    """Deterministic pseudo-random number in [0, 1) from the given parts."""
    text = "\x1f".join(str(p) for p in parts).encode("utf-8")
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@lru_cache(maxsize=1 << 16, typed=True)
def stable_int(modulus: int, *parts: object) -> int:
    """Deterministic integer in [0, modulus) from the given parts."""
    text = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big") % modulus


@dataclass(frozen=True)
class Creator:
    """One demo person; ``number`` is a stable small id used inside platform ids (append only)."""

    key: str
    number: int
    display_name: str
    professional: bool
    base_followers: float
    daily_growth: float
    """Compound growth per day (0.004 = +0.4 %/day; negative declines)."""
    noise: float
    """Daily noise amplitude as a fraction of followers (stays below the daily growth)."""
    follows: int
    first_post: date | None
    post_gap_days: tuple[int, int] = (1, 3)
    engagement: tuple[float, float] = (0.02, 0.06)
    video_share: float = 0.4
    spike_day: date | None = None
    spike_size: float = 0.0
    spike_width_days: float = 0.7

    def __hash__(self) -> int:
        # Equal creators have equal keys; hashing the key alone keeps memoized lookups cheap.
        return hash(self.key)


_POSTING_SINCE = EPOCH - timedelta(days=900)

CREATORS: tuple[Creator, ...] = (
    Creator(
        key="steady_creator",
        number=1,
        display_name="Stella Steady",
        professional=True,
        base_followers=12_000,
        daily_growth=0.004,
        noise=0.0005,
        follows=410,
        first_post=_POSTING_SINCE,
    ),
    Creator(
        key="viral_vera",
        number=2,
        display_name="Vera Viral",
        professional=True,
        base_followers=8_000,
        daily_growth=0.001,
        noise=0.0003,
        follows=265,
        first_post=_POSTING_SINCE,
        video_share=0.7,
        spike_day=EPOCH + timedelta(days=10),
        spike_size=6_000,
    ),
    Creator(
        key="stalled_sam",
        number=3,
        display_name="Sam Stalled",
        professional=True,
        base_followers=5_000,
        daily_growth=0.0,
        noise=0.0015,
        follows=980,
        first_post=_POSTING_SINCE,
        post_gap_days=(2, 4),
    ),
    Creator(
        key="declining_dan",
        number=4,
        display_name="Dan Declining",
        professional=True,
        base_followers=20_000,
        daily_growth=-0.002,
        noise=0.0003,
        follows=150,
        first_post=_POSTING_SINCE,
        post_gap_days=(2, 5),
        engagement=(0.015, 0.03),
    ),
    Creator(
        key="new_nina",
        number=5,
        display_name="Nina New",
        professional=True,
        base_followers=0,
        daily_growth=0.0,
        noise=0.0,
        follows=12,
        first_post=None,
    ),
    Creator(
        key="personal_pat",
        number=6,
        display_name="Pat Personal",
        professional=False,
        base_followers=850,
        daily_growth=0.001,
        noise=0.002,
        follows=620,
        first_post=_POSTING_SINCE,
        post_gap_days=(3, 7),
    ),
    Creator(
        key="tiny_tim",
        number=7,
        display_name="Tim Tiny",
        professional=True,
        base_followers=60,
        daily_growth=0.0005,
        noise=0.0,
        follows=88,
        first_post=_POSTING_SINCE,
        post_gap_days=(4, 8),
    ),
)

DEMO_COUNT = 99
"""How many generated demo creators there are (``demo_01`` … ``demo_99``)."""
DEMO_NUMBER_BASE = 100
"""``demo_NN`` has number ``100 + NN``: clear of the hand-written creators (1 … 99)."""
_FIRST_NAMES = ("Ada", "Ben", "Cleo", "Dev", "Elif", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai")
_LAST_NAMES = ("Arden", "Brook", "Cruz", "Dale", "Ellis", "Frost", "Gray", "Hale", "Ives")


def _demo_creator(n: int) -> Creator:
    """Generated demo creator ``n`` (1 … 99): every trait drawn from stable hashes of ``n``.

    Sizes are log-uniform from 800 to 240,000 followers on the epoch. Six in ten grow steadily
    (+0.08 … +0.38 %/day), one in ten grows slowly with a viral step, one is flat, one declines
    and one grows fast. Noise stays under a fifth of the growth, so a growing curve rises
    every day. Posts come every 2 to 6 days, never daily (X's post ids have room for 1,023
    posts of a generated creator, and the schedule spans 1,995 days).
    """

    def unit(name: str) -> float:
        return stable_unit("demo-creator", n, name)

    shape = stable_int(10, "demo-creator", n, "shape")
    growth, noise = 0.0008 + 0.003 * unit("growth"), 0.0
    spike_day, spike_size = None, 0.0
    if shape == 6:  # a viral step, somewhere in the two years around the epoch
        growth = 0.0005
        spike_day = EPOCH + timedelta(days=-365 + stable_int(730, "demo-creator", n, "spike"))
        spike_size = 0.3 + 0.5 * unit("spike-size")
    elif shape == 7:  # flat
        growth, noise = 0.0, 0.001
    elif shape == 8:  # declining
        growth = -0.0005 - 0.001 * unit("decline")
        noise = 0.0002
    elif shape == 9:  # fast
        growth = 0.004 + 0.002 * unit("fast")
    if growth > 0:
        noise = growth * 0.2 * unit("noise")
    base = 800 * 300 ** unit("size")
    gap = 2 + stable_int(2, "demo-creator", n, "gap-low")
    return Creator(
        key=f"demo_{n:02d}",
        number=DEMO_NUMBER_BASE + n,
        display_name=f"{_FIRST_NAMES[(n - 1) % 11]} {_LAST_NAMES[(n - 1) // 11]}",
        professional=True,
        base_followers=round(base),
        daily_growth=round(growth, 6),
        noise=round(noise, 6),
        follows=50 + stable_int(1450, "demo-creator", n, "follows"),
        first_post=_POSTING_SINCE + timedelta(days=stable_int(200, "demo-creator", n, "first")),
        post_gap_days=(gap, gap + 1 + stable_int(3, "demo-creator", n, "gap-high")),
        engagement=(0.01 + 0.02 * unit("eng-low"), 0.04 + 0.03 * unit("eng-high")),
        video_share=round(0.2 + 0.6 * unit("video"), 3),
        spike_day=spike_day,
        spike_size=round(base * spike_size) if spike_day else 0.0,
    )


DEMO_CREATORS: tuple[Creator, ...] = tuple(_demo_creator(n) for n in range(1, DEMO_COUNT + 1))
"""Generated demo creators for the demo portfolio (``lsa demo``): accepted by key on every
platform's consent page, listed there only by name range (the seven above stay the list)."""

ALL_CREATORS: tuple[Creator, ...] = CREATORS + DEMO_CREATORS
"""Everyone the platforms know: the seven hand-written creators, then the generated ones."""

CREATORS_BY_KEY: dict[str, Creator] = {c.key: c for c in ALL_CREATORS}
CREATORS_BY_NUMBER: dict[int, Creator] = {c.number: c for c in ALL_CREATORS}


def get_creator(key: str) -> Creator | None:
    """The demo creator called ``key``, if any."""
    return CREATORS_BY_KEY.get(key)


@lru_cache(maxsize=1 << 13)
def followers(creator: Creator, day: date) -> int:
    """Follower count on ``day``: compound trend, optional viral step, small daily noise."""
    if creator.base_followers <= 0:
        return 0
    offset = (day - EPOCH).days
    value = creator.base_followers * (1.0 + creator.daily_growth) ** offset
    if creator.spike_day is not None and creator.spike_size:
        x = (day - creator.spike_day).days / creator.spike_width_days
        value += creator.spike_size / (1.0 + math.exp(-max(min(x, 60.0), -60.0)))
    value += value * creator.noise * (2.0 * stable_unit(creator.key, "noise", offset) - 1.0)
    return max(0, round(value))


def new_followers(creator: Creator, day: date) -> int:
    """Followers gained on ``day`` (the positive part of the day-over-day difference)."""
    return max(0, followers(creator, day) - followers(creator, day - timedelta(days=1)))


@lru_cache(maxsize=64)
def post_dates(creator: Creator) -> tuple[date, ...]:
    """The whole posting schedule: one post every ``post_gap_days`` (hash-chosen) days."""
    if creator.first_post is None:
        return ()
    dates: list[date] = []
    day = creator.first_post
    low, high = creator.post_gap_days
    index = 0
    while day <= SCHEDULE_END:
        dates.append(day)
        day += timedelta(days=low + stable_int(high - low + 1, creator.key, "gap", index))
        index += 1
    return tuple(dates)


def posts_published(creator: Creator, today: date) -> int:
    """How many posts exist on ``today``: those dated strictly before it (no future timestamps)."""
    return bisect_left(post_dates(creator), today)  # the schedule is sorted


@dataclass(frozen=True)
class PostStats:
    """Lifetime numbers of one post as seen on a given date."""

    reach: int
    views: int
    likes: int
    comments: int
    saves: int
    shares: int

    @property
    def interactions(self) -> int:
        """Likes + comments + saves + shares, as platforms define total interactions."""
        return self.likes + self.comments + self.saves + self.shares


def is_video(creator: Creator, index: int) -> bool:
    """Whether post ``index`` is a video (reel/short), chosen by a stable hash."""
    return stable_unit(creator.key, "video", index) < creator.video_share


@lru_cache(maxsize=1 << 15)
def post_stats(creator: Creator, index: int, today: date) -> PostStats:
    """Numbers of post ``index`` on ``today``: they grow toward a plateau with the post's age.

    The plateau scales with the followers the creator had when posting (engagement 2-6 % by
    default); a post gets ~40 % of it on its first day and ~97 % after a week.
    """
    posted = post_dates(creator)[index]
    age_days = max(0, (today - posted).days)
    growth = 1.0 - math.exp(-age_days / 2.0)
    audience = followers(creator, posted)

    def unit(name: str) -> float:
        return stable_unit(creator.key, "post", index, name)

    low, high = creator.engagement
    likes = audience * (low + (high - low) * unit("eng"))
    reach = audience * (0.25 + 0.35 * unit("reach")) * (1.8 if is_video(creator, index) else 1.0)
    views = reach * (1.3 + 0.7 * unit("views"))
    return PostStats(
        reach=round(reach * growth),
        views=round(views * growth),
        likes=round(likes * growth),
        comments=round(likes * (0.02 + 0.04 * unit("comments")) * growth),
        saves=round(likes * (0.03 + 0.07 * unit("saves")) * growth),
        shares=round(likes * (0.01 + 0.05 * unit("shares")) * growth),
    )


@dataclass(frozen=True)
class DayActivity:
    """Account-level activity during one day (what daily account insights report)."""

    reach: int
    views: int
    accounts_engaged: int
    likes: int
    comments: int
    shares: int
    saves: int
    profile_links_taps: int

    @property
    def interactions(self) -> int:
        """Likes + comments + shares + saves."""
        return self.likes + self.comments + self.shares + self.saves


@lru_cache(maxsize=1 << 13)
def day_activity(creator: Creator, day: date) -> DayActivity:
    """Daily account activity, proportional to the day's followers with stable noise."""
    audience = followers(creator, day)
    offset = (day - EPOCH).days

    def unit(name: str) -> float:
        return stable_unit(creator.key, "day", offset, name)

    reach = audience * (0.12 + 0.08 * unit("reach"))
    likes = audience * (0.01 + 0.02 * unit("likes"))
    return DayActivity(
        reach=round(reach),
        views=round(reach * (1.5 + 0.5 * unit("views"))),
        accounts_engaged=round(reach * (0.03 + 0.03 * unit("engaged"))),
        likes=round(likes),
        comments=round(likes * (0.03 + 0.04 * unit("comments"))),
        shares=round(likes * (0.02 + 0.03 * unit("shares"))),
        saves=round(likes * (0.03 + 0.05 * unit("saves"))),
        profile_links_taps=round(audience * (0.0005 + 0.001 * unit("taps"))),
    )
