"""Daily account snapshots (topics ``ingestor.snapshots.<platform>.v1``), keyed by connection.

One event per connection and day. The common fields are platform-agnostic so analytics can
compute growth the same way everywhere; ``platform_metrics`` keeps what only one platform has.
A metric the platform did not give is ``None`` (unknown), never 0, and is listed in
``missing_metrics`` when the platform refused it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event
from shared.platforms import Platform

#: The longest caption a content item carries (Instagram's own limit, the longest of the six).
CAPTION_LENGTH = 2200


class ContentItem(BaseModel):
    """One post, reel or video with its metrics at fetch time."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_id: str
    kind: str
    published_at: datetime | None = None
    url: str | None = None
    caption: str | None = Field(default=None, max_length=CAPTION_LENGTH)
    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    #: Interactions over followers at fetch time, in percent; see ``engagement_formula``.
    engagement_rate: float | None = None


class SnapshotMetrics(BaseModel):
    """The platform-agnostic figures of one account: what a platform client hands back."""

    model_config = ConfigDict(extra="ignore")

    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    engagement_rate: float | None = None
    reach: int | None = None
    views: int | None = None
    #: Human-readable formula behind ``engagement_rate`` so users can see how it was made.
    engagement_formula: str | None = None
    platform_metrics: dict[str, float] = Field(default_factory=dict)
    recent_items: list[ContentItem] = Field(default_factory=list)
    missing_metrics: list[str] = Field(default_factory=list)


class AccountSnapshot(SnapshotMetrics, Event):
    model_config = ConfigDict(frozen=True, extra="ignore")

    type: Literal["snapshot"] = "snapshot"
    connection_id: UUID
    client_id: str
    platform: Platform
    platform_user_id: str
    username: str
    #: The day the figures describe (UTC), not when they were fetched.
    snapshot_date: date
    fetched_at: datetime
    #: A past day from the platform's own history (initial sync, or a re-fetch in the days
    #: after connecting). Its ``followers`` is only what the platform itself states for that day
    #: (Facebook's daily total; 0 on a YouTube channel's creation day), never a count worked
    #: out by the ingestor: analytics rebuilds totals from ``followers_gained``/``_lost``.
    backfill: bool = False
    #: New followers during the day (backfill; every platform that reports them).
    followers_gained: int | None = None
    #: Followers lost during the day; with ``followers_gained`` it makes the day's net change.
    #: ``None`` where the platform reports gains only (Instagram, LinkedIn, Facebook follows).
    followers_lost: int | None = None
