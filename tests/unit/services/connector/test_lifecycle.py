"""The refresh and expiry policy, as plain functions over times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.connector import lifecycle
from shared.platforms.base import RefreshPolicy

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
INSTAGRAM = RefreshPolicy(with_access_token=True, min_age=timedelta(hours=24))
ROTATING = RefreshPolicy()  # needs a refresh token (TikTok, X, YouTube)


def test_a_token_is_refreshed_at_half_life() -> None:
    issued = NOW - timedelta(days=29)
    expires = issued + timedelta(days=60)
    assert not lifecycle.refresh_due(
        INSTAGRAM, now=NOW, expires_at=expires, refreshed_at=issued, has_refresh_token=False
    )
    later = NOW + timedelta(days=2)
    assert lifecycle.refresh_due(
        INSTAGRAM, now=later, expires_at=expires, refreshed_at=issued, has_refresh_token=False
    )


def test_instagram_tokens_are_never_refreshed_before_they_are_24_hours_old() -> None:
    issued = NOW - timedelta(hours=23)
    expires = NOW + timedelta(minutes=1)  # even if it is about to expire
    assert not lifecycle.refresh_due(
        INSTAGRAM, now=NOW, expires_at=expires, refreshed_at=issued, has_refresh_token=False
    )


def test_short_lived_tokens_are_refreshed_when_minutes_remain() -> None:
    issued = NOW - timedelta(minutes=50)
    expires = issued + timedelta(hours=2)
    assert lifecycle.refresh_due(
        ROTATING,
        now=NOW + timedelta(minutes=15),
        expires_at=expires,
        refreshed_at=issued,
        has_refresh_token=True,
    )
    assert not lifecycle.refresh_due(
        ROTATING, now=NOW, expires_at=expires, refreshed_at=issued, has_refresh_token=True
    )


def test_tokens_that_cannot_be_extended_are_never_due_but_warned_once() -> None:
    expires = NOW + timedelta(days=5)
    assert not lifecycle.refresh_due(
        ROTATING,
        now=NOW,
        expires_at=expires,
        refreshed_at=NOW - timedelta(days=55),
        has_refresh_token=False,
    )
    assert lifecycle.expiry_warning_due(
        ROTATING, now=NOW, expires_at=expires, has_refresh_token=False, warned_at=None
    )
    assert not lifecycle.expiry_warning_due(
        ROTATING, now=NOW, expires_at=expires, has_refresh_token=False, warned_at=NOW
    )
    far = NOW + timedelta(days=30)
    assert not lifecycle.expiry_warning_due(
        ROTATING, now=NOW, expires_at=far, has_refresh_token=False, warned_at=None
    )
    assert not lifecycle.expiry_warning_due(  # refreshable: nothing to warn about
        ROTATING, now=NOW, expires_at=expires, has_refresh_token=True, warned_at=None
    )


def test_never_expiring_tokens_need_nothing() -> None:
    assert not lifecycle.refresh_due(
        ROTATING, now=NOW, expires_at=None, refreshed_at=NOW, has_refresh_token=True
    )
    assert not lifecycle.is_dead(ROTATING, now=NOW, expires_at=None, has_refresh_token=False)
    assert not lifecycle.needs_refresh_before_use(now=NOW, expires_at=None)


def test_dead_means_expired_without_a_refresh_token() -> None:
    past = NOW - timedelta(seconds=1)
    assert lifecycle.is_dead(INSTAGRAM, now=NOW, expires_at=past, has_refresh_token=False)
    assert not lifecycle.is_dead(ROTATING, now=NOW, expires_at=past, has_refresh_token=True)
    assert not lifecycle.is_dead(
        INSTAGRAM, now=NOW, expires_at=NOW + timedelta(1), has_refresh_token=False
    )


def test_a_token_about_to_die_is_refreshed_before_it_is_lent() -> None:
    assert lifecycle.needs_refresh_before_use(now=NOW, expires_at=NOW + timedelta(minutes=4))
    assert not lifecycle.needs_refresh_before_use(now=NOW, expires_at=NOW + timedelta(hours=1))
