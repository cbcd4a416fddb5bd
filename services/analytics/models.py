"""Analytics' tables: its view of connections, the whole daily history, clients' programs.

Statuses and platforms are enums end to end (``enum_field``): stored as their values in the
same ``VARCHAR(32)`` columns as before (no migration), read back as members, so no code
converts strings by hand.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.db.types import enum_field, timestamp_field
from shared.platforms import Platform


class ConnectionStatus(StrEnum):
    """A tracked connection's state, as the connector's events last stated it."""

    ACTIVE = "active"
    """Connected: syncs come in (``connection.established``, or a snapshot came first)."""
    REAUTH_REQUIRED = "reauth_required"
    """The platform refused the tokens: shown, but the client must reconnect."""
    DISCONNECTED = "disconnected"
    """The client disconnected: hidden from the dashboards, its history kept unless purged."""


class TrackedConnection(SQLModel, table=True):
    __tablename__ = "tracked_connections"

    connection_id: uuid.UUID = Field(primary_key=True)
    client_id: str = Field(max_length=128, index=True)
    platform: Platform = enum_field(Platform)
    platform_user_id: str = Field(max_length=128)
    username: str = Field(max_length=255)
    status: ConnectionStatus = enum_field(ConnectionStatus)
    connected_at: datetime = timestamp_field()
    revision: int = 0
    """Bumped by every recomputation of the connection's history (``MetricsUpdated.revision``)."""


class DailySnapshot(SQLModel, table=True):
    """One row per connection and day: the history the product is built on. Never expires.

    Three kinds of columns: what the platform stated (``followers_observed``, the gains and
    losses, the day's other figures), and what analytics derived from all stored days of the
    connection (``followers`` — the count at the start of the day, observed or rebuilt — its
    ``follower_source``, the changes and growth). The derived columns are recomputed whenever a
    day of the connection is stored, so they never depend on the order days arrived in.
    """

    __tablename__ = "daily_snapshots"

    connection_id: uuid.UUID = Field(primary_key=True)
    snapshot_date: date = Field(primary_key=True)
    client_id: str = Field(max_length=128, index=True)
    platform: Platform = enum_field(Platform)
    username: str = Field(max_length=255)
    followers_observed: int | None = None
    followers_gained: int | None = None
    followers_lost: int | None = None
    series_fetched_at: datetime | None = timestamp_field(default=None)
    """When the gains and losses were fetched (the latest history fetch of the day wins)."""
    followers: int | None = None
    follower_source: str | None = Field(default=None, max_length=16)
    followers_change_1d: int | None = None
    followers_change_7d: int | None = None
    followers_change_30d: int | None = None
    growth_pct_7d: float | None = None
    growth_pct_30d: float | None = None
    following: int | None = None
    posts: int | None = None
    engagement_rate: float | None = None
    reach: int | None = None
    views: int | None = None
    engagement_formula: str | None = None
    platform_metrics: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
    missing_metrics: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    backfill: bool = False
    imported: bool = False
    """The day's figures come from an admin's history import, not from the platform. With
    ``backfill`` this makes the day's source: live (neither), platform history (``backfill``)
    or import (``imported``) — never both."""
    fetched_at: datetime = timestamp_field()
    """When the figures were fetched (for an imported day: when it was imported)."""


class ContentItemDay(SQLModel, table=True):
    """One post, reel or video as a live sync saw it on one day: its metrics over time.

    Top content and per-item engagement are queried here (the day rows keep no copy of the
    items). A later live sync of the same day replaces that day's figures.
    """

    __tablename__ = "content_items"

    connection_id: uuid.UUID = Field(primary_key=True)
    item_id: str = Field(primary_key=True, max_length=128)
    seen_on: date = Field(primary_key=True)
    client_id: str = Field(max_length=128)  # no index: nothing filters on it (0006)
    platform: Platform = enum_field(Platform)
    kind: str = Field(max_length=32)
    published_at: datetime | None = timestamp_field(default=None, index=True)
    url: str | None = None
    caption: str | None = None
    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    engagement_rate: float | None = None
    fetched_at: datetime = timestamp_field()


class Client(SQLModel, table=True):
    """A coaching client and their program, as the CRM (or an admin) last stated it."""

    __tablename__ = "clients"

    client_id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=255)
    email: str = Field(max_length=320)
    timezone: str = Field(max_length=64)
    program_start: date
    program_end: date
    follower_goal: int | None = None
    updated_at: datetime = timestamp_field()
    """The CRM's ``updated_at`` of the figures kept: an older event never overwrites them."""


class Deliverable(SQLModel, table=True):
    """One deliverable (``M1``, ``M2`` …) of a client's program. A removal is kept as a bare
    tombstone (``removed``, no title or dates), so an older upsert that arrives later cannot
    bring it back."""

    __tablename__ = "deliverables"

    client_id: str = Field(primary_key=True, max_length=128)
    code: str = Field(primary_key=True, max_length=8)
    title: str = Field(max_length=255)
    due_on: date | None = None
    """None only on a tombstone."""
    completed_on: date | None = None
    removed: bool = False
    updated_at: datetime = timestamp_field()


class SignalRecord(SQLModel, table=True):
    """Every signal analytics raised, once (``signaling``): a signal is published only when its
    row is new, so a replay or a second replica publishes nothing again. Kept for the admin's
    client overview."""

    __tablename__ = "signals"

    scope: str = Field(primary_key=True, max_length=160)
    """The connection id, or ``client:<client_id>`` for a client's total milestone."""
    key: str = Field(primary_key=True, max_length=128)
    """The signal's key (``domain.signals.Signal.key``): unique within the scope."""
    client_id: str = Field(max_length=128, index=True)
    connection_id: uuid.UUID | None = None
    platform: str | None = Field(default=None, max_length=32)
    username: str | None = Field(default=None, max_length=255)
    kind: str = Field(max_length=32)
    day: date
    """The day the signal is about."""
    numbers: dict[str, int | float | str] = Field(default_factory=dict, sa_column=Column(JSON))
    reason: str | None = Field(default=None, max_length=32)
    raised_at: datetime = timestamp_field()
