"""Content themes: hashtags and caption keywords, ranked by lift over the account's median."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.analytics.domain.content import ContentItem
from services.analytics.domain.themes import Theme, ThemeKind, theme_lifts, themes_of

TAG, WORD = ThemeKind.HASHTAG, ThemeKind.KEYWORD
AT = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def post(n: int, rate: float | None, caption: str | None) -> ContentItem:
    return ContentItem(f"p{n}", "instagram", "post", AT, caption=caption, engagement_rate=rate)


def test_themes_of_a_caption() -> None:
    caption = "Morning #Fitness routine with @coach_anna https://x.io/abc #fitness #2024 don't"
    assert themes_of(caption) == {
        Theme(TAG, "fitness"),  # case-folded, counted once
        Theme(WORD, "morning"),
        Theme(WORD, "routine"),
        # not: "with" (stopword), "coach"/"anna" (a mention), "abc" (a link), "#2024" (no
        # letter), "don" and "t" (under 4 letters), "fitness" as a keyword (it is a hashtag)
    }
    assert themes_of(None) == frozenset()
    assert themes_of("") == frozenset()


def test_lift_is_the_themes_median_over_the_accounts_median() -> None:
    items = [
        post(1, 2.0, "#yoga flow"),
        post(2, 4.0, "#yoga stretch"),
        post(3, 6.0, "#Yoga morning"),
        post(4, 1.0, "recipe"),
        post(5, 1.0, "Recipe recipe"),  # twice in one caption: one post
        post(6, 3.0, "recipe"),
        post(7, None, "#yoga recipe"),  # no rate: left out, counted
        post(8, 3.0, None),  # no caption: in the account's median, no theme
    ]
    report = theme_lifts(items)
    assert report.posts_rated == 7
    assert report.posts_without_rate == 1
    assert report.account_median == 3.0  # median of 1, 1, 2, 3, 3, 4, 6 = 3
    [yoga, recipe] = report.themes  # flow, stretch, morning: 1 post each, under 3
    assert (yoga.theme, yoga.posts, yoga.median_rate) == (Theme(TAG, "yoga"), 3, 4.0)
    assert yoga.lift_pct == pytest.approx(33.333333)  # 100 * (4 / 3 - 1)
    assert (recipe.theme, recipe.posts, recipe.median_rate) == (Theme(WORD, "recipe"), 3, 1.0)
    assert recipe.lift_pct == pytest.approx(-66.666667)  # 100 * (1 / 3 - 1)


def test_the_minimum_posts_per_theme_is_a_parameter() -> None:
    items = [post(1, 2.0, "#yoga"), post(2, 4.0, "#yoga"), post(3, 1.0, "")]
    assert theme_lifts(items).themes == ()  # 2 posts < 3
    [yoga] = theme_lifts(items, min_posts=2).themes
    assert yoga.lift_pct == 50.0  # median(2, 4) = 3 over median(1, 2, 4) = 2: 100 * (3/2 - 1)


def test_ties_go_to_more_posts_then_hashtags_then_alphabetical() -> None:
    items = [post(n, 1.0, "#beta alpha beta") for n in range(3)]
    items += [post(n, 1.0, "gamma") for n in range(3, 7)]
    report = theme_lifts(items)
    # Every median is 1.0, so every lift is 0; gamma has 4 posts, the others 3.
    assert [(t.theme.text, t.theme.kind, t.lift_pct) for t in report.themes] == [
        ("gamma", WORD, 0.0),
        ("beta", TAG, 0.0),
        ("alpha", WORD, 0.0),
        ("beta", WORD, 0.0),
    ]


def test_a_zero_account_median_gives_no_lift() -> None:
    items = [post(n, 0.0, "#launch") for n in range(3)] + [post(9, 5.0, "other")]
    report = theme_lifts(items)
    assert report.account_median == 0.0  # median of 0, 0, 0, 5
    [launch] = report.themes
    assert (launch.posts, launch.median_rate, launch.lift_pct) == (3, 0.0, None)


def test_no_rated_posts() -> None:
    report = theme_lifts([post(1, None, "#yoga")])
    assert (report.posts_rated, report.account_median, report.themes) == (0, None, ())
