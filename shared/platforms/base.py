"""Platform-neutral types every platform module maps to.

A platform module turns its API's answers into these, so the rest of the system never needs to
know which platform it is talking to, and its errors into one of five classes, so callers can
react correctly (refresh, reconnect, wait, retry, or record and skip).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from shared.events.snapshots import ContentItem
from shared.platforms import Platform


class ErrorClass(StrEnum):
    TOKEN_EXPIRED = "token_expired"  # noqa: S105  (a class name) refresh, then retry once
    REAUTH_REQUIRED = "reauth_required"  # revoked / dead: mark inactive, ask to reconnect
    RATE_LIMITED = "rate_limited"  # wait retry_after
    TRANSIENT = "transient"  # back off and retry
    PERMISSION_OR_INPUT = "permission_or_input"  # record and skip; never retry


class PlatformError(Exception):
    def __init__(
        self,
        platform: Platform,
        error_class: ErrorClass,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{platform.value} {error_class.value}: {message}")
        self.platform = platform
        self.error_class = error_class
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class TokenGrant:
    """What a token endpoint gave us. Lifetimes come from the answer, never from constants."""

    access_token: str
    expires_in: int | None = None
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    scopes: tuple[str, ...] = ()
    platform_user_id: str | None = None


@dataclass(frozen=True)
class RefreshPolicy:
    """How a platform's tokens are kept alive (declared by each platform module).

    ``with_access_token``: the access token itself buys a new one (Instagram's
    ``ig_refresh_token``); otherwise a refresh token is needed, and a connection without one
    dies when its access token does (LinkedIn outside the partner programme).
    ``min_age``: the platform refuses to refresh younger tokens (Instagram: 24 h).
    """

    with_access_token: bool = False
    min_age: timedelta = timedelta(0)


@dataclass(frozen=True)
class AccountIdentity:
    platform_user_id: str
    username: str
    display_name: str | None = None


@dataclass(frozen=True)
class HistoryPoint:
    """One day of history as a platform reports it after the fact (for backfill).

    Platforms differ in what they give: an absolute count (``followers``), or only daily gains and
    losses (YouTube's subscribersGained/Lost, Instagram's follower_count, LinkedIn's follower
    gains) from which the ingestor rebuilds counts backwards from today's known total.
    """

    day: date
    followers: int | None = None
    followers_gained: int | None = None
    followers_lost: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)


def engagement_rate(interactions: int, followers: int | None) -> float | None:
    """Interactions as a percentage of followers; unknown (None) without a follower base."""
    if not followers or followers <= 0:
        return None
    return round(100.0 * interactions / followers, 4)


def mean_rate(items: list[ContentItem]) -> float | None:
    """Account engagement rate: the mean of its recent items' rates."""
    rates = [i.engagement_rate for i in items if i.engagement_rate is not None]
    return round(sum(rates) / len(rates), 4) if rates else None


def int_or_none(value: Any) -> int | None:
    """``value`` as an int; None when absent or not a number (APIs send counts as strings too)."""
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
