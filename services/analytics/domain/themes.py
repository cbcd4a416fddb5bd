"""Best content themes: the hashtags and caption words whose posts do better than usual.

Themes of a post, each counted once per post, case-folded:

* **hashtags**: ``#`` followed by letters, digits or underscores, with at least one letter
  (``#Fitness`` and ``#fitness`` are one theme, ``#2024`` is none);
* **keywords**: the words of the caption with at least 4 letters (letters only; a word ends at
  any other character), once hashtags, @mentions and links are taken out, minus a small
  built-in list of common English words (``STOPWORDS``).

Lift of a theme = median engagement rate of the posts with it / median engagement rate of all
the account's rated posts - 1, in percent (+50 means its typical post does half as well again).
Medians, so one viral post does not make a theme. Only themes of at least ``MIN_THEME_POSTS``
(3) rated posts are reported. Ranking: highest lift first, then more posts, then hashtags
before keywords, then alphabetical. The lift is None for every theme when the account's median
is 0 (nothing to be relative to). Posts without a rate are left out and counted. One account
at a time (the engagement formulas differ per platform).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

from services.analytics.domain.content import ContentItem

MIN_THEME_POSTS = 3
MIN_KEYWORD_LETTERS = 4

_STOPWORDS = """
    about above after again against also always among another anyone anything around away
    back been before being below best between both came come could does doing done down during
    each even ever every everyone everything from further gets getting give going gonna good
    have having here hers herself himself into itself just keep know last less like little
    made make many more most much must myself need never next once only other ours ourselves
    over really same said says should show since some something still such sure take than
    that thats their theirs them themselves then there these they thing things think this
    those through thru time today together under until upon very want wants well were what
    when where which while will with within without would yeah year years your yours yourself
    yourselves
"""
STOPWORDS = frozenset(_STOPWORDS.split())
"""Common English words of 4+ letters that say nothing about a post's theme."""

_HASHTAG = re.compile(r"#(\w*[^\W\d_]\w*)")
_REMOVED = re.compile(r"https?://\S+|www\.\S+|[#@]\w+")
_WORD = re.compile(r"[^\W\d_]+")


class ThemeKind(StrEnum):
    HASHTAG = "hashtag"
    KEYWORD = "keyword"


@dataclass(frozen=True)
class Theme:
    kind: ThemeKind
    text: str
    """Case-folded, without the ``#``."""


@dataclass(frozen=True)
class ThemeLift:
    theme: Theme
    posts: int
    median_rate: float
    """Median engagement rate of the theme's posts, in percent."""
    lift_pct: float | None
    """``100 * (median_rate / account median - 1)``; None when the account median is 0."""


@dataclass(frozen=True)
class ThemeReport:
    posts_rated: int
    posts_without_rate: int
    account_median: float | None
    """Median rate of all rated posts; None without any."""
    themes: tuple[ThemeLift, ...]
    """Themes of at least ``min_posts`` rated posts, ranked."""


def themes_of(caption: str | None) -> frozenset[Theme]:
    """The hashtags and keywords of one caption."""
    if not caption:
        return frozenset()
    text = caption.casefold()
    tags = {Theme(ThemeKind.HASHTAG, tag) for tag in _HASHTAG.findall(text)}
    words = {
        Theme(ThemeKind.KEYWORD, word)
        for word in _WORD.findall(_REMOVED.sub(" ", text))
        if len(word) >= MIN_KEYWORD_LETTERS and word not in STOPWORDS
    }
    return frozenset(tags | words)


def theme_lifts(items: Iterable[ContentItem], *, min_posts: int = MIN_THEME_POSTS) -> ThemeReport:
    """Rank one account's themes by engagement lift over its median post."""
    rates: list[float] = []
    by_theme: dict[Theme, list[float]] = defaultdict(list)
    unrated = 0
    for item in items:
        if item.engagement_rate is None:
            unrated += 1
            continue
        rates.append(item.engagement_rate)
        for theme in themes_of(item.caption):
            by_theme[theme].append(item.engagement_rate)
    overall = median(rates) if rates else None
    lifts = [
        ThemeLift(
            theme=theme,
            posts=len(found),
            median_rate=median(found),
            lift_pct=100.0 * (median(found) / overall - 1) if overall else None,
        )
        for theme, found in by_theme.items()
        if len(found) >= min_posts
    ]
    lifts.sort(key=lambda t: (-t.posts, t.theme.kind != ThemeKind.HASHTAG, t.theme.text))
    lifts.sort(key=lambda t: t.lift_pct if t.lift_pct is not None else 0.0, reverse=True)
    return ThemeReport(len(rates), unrated, overall, tuple(lifts))
