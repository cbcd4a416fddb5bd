"""When to refresh a token, and when to warn that one will die: plain functions, no I/O.

* A token is refreshed at half its lifetime (never before the platform's minimum age), so a
  failed refresh leaves the other half to try again; short-lived tokens (X, TikTok: 2 h) are
  refreshed on demand too, whenever fewer than ``ON_DEMAND_LEAD`` remain.
* A token the platform offers no way to extend (LinkedIn without a refresh token) is announced
  ``EXPIRY_WARNING`` before it dies, once, so the client can reconnect in time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.platforms.base import RefreshPolicy

ON_DEMAND_LEAD = timedelta(minutes=5)
EXPIRY_WARNING = timedelta(days=7)


def can_refresh(policy: RefreshPolicy, *, has_refresh_token: bool) -> bool:
    return has_refresh_token or policy.with_access_token


def refresh_due(
    policy: RefreshPolicy,
    *,
    now: datetime,
    expires_at: datetime | None,
    refreshed_at: datetime,
    has_refresh_token: bool,
) -> bool:
    """Should the scheduler refresh this token now?"""
    if expires_at is None or not can_refresh(policy, has_refresh_token=has_refresh_token):
        return False  # never expires, or cannot be extended at all
    if now - refreshed_at < policy.min_age:
        return False
    half_life = (expires_at - refreshed_at) / 2
    return expires_at - now <= max(half_life, ON_DEMAND_LEAD)


def needs_refresh_before_use(*, now: datetime, expires_at: datetime | None) -> bool:
    """Lending a token that dies within minutes would only fail the sync that borrows it."""
    return expires_at is not None and expires_at - now <= ON_DEMAND_LEAD


def expiry_warning_due(
    policy: RefreshPolicy,
    *,
    now: datetime,
    expires_at: datetime | None,
    has_refresh_token: bool,
    warned_at: datetime | None,
) -> bool:
    if expires_at is None or can_refresh(policy, has_refresh_token=has_refresh_token):
        return False
    if warned_at is not None:
        return False  # once per token: a new grant clears the mark
    return now < expires_at <= now + EXPIRY_WARNING


def is_dead(
    policy: RefreshPolicy, *, now: datetime, expires_at: datetime | None, has_refresh_token: bool
) -> bool:
    """Expired and impossible to refresh: only a reconnect helps."""
    if expires_at is None or expires_at > now:
        return False
    return not has_refresh_token  # an expired access token cannot refresh itself either
