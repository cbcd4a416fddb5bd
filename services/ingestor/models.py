"""The ingestor's tables: the connections it syncs, every sync, and the daily trigger's claims."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import clock
from shared.db.types import enum_field, timestamp_field
from shared.events import SyncReason
from shared.platforms import Platform
from shared.platforms.base import ErrorClass

#: The longest error text a sync run keeps (longer messages are cut).
SYNC_ERROR_LENGTH = 1000


class KnownConnection(SQLModel, table=True):
    """What the ingestor learnt from connection events (its own copy, no tokens)."""

    __tablename__ = "known_connections"

    connection_id: uuid.UUID = Field(primary_key=True)
    client_id: str = Field(max_length=128, index=True)
    platform: Platform = enum_field(Platform, length=32, index=True)
    platform_user_id: str = Field(max_length=128)
    username: str = Field(max_length=255)
    active: bool = Field(default=True, index=True)
    connected_at: datetime | None = timestamp_field(default=None)
    """When the client (re)connected it: syncs in the days after re-fetch the lagged history."""
    updated_at: datetime = timestamp_field(default_factory=clock.now)


class SyncStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DEFERRED = "deferred"  # waiting for ``not_before`` (rate limit, quota, transient failure)
    REQUEUED = "requeued"  # re-published for its next attempt
    FAILED = "failed"  # given up: needs a person (permission, dead token) or too many tries


class SyncRun(SQLModel, table=True):
    """One sync, across its attempts (keyed by the request's ``sync_id``)."""

    __tablename__ = "sync_runs"

    id: uuid.UUID = Field(primary_key=True)
    connection_id: uuid.UUID = Field(index=True)
    client_id: str = Field(default="", max_length=128)
    platform: Platform = enum_field(Platform, length=32)
    reason: SyncReason = enum_field(SyncReason, length=32)
    backfill: bool = False
    status: SyncStatus = enum_field(SyncStatus, length=16, index=True)
    attempt: int = 1
    not_before: datetime | None = timestamp_field(default=None, index=True)
    error_class: ErrorClass | None = enum_field(ErrorClass, length=32, default=None)
    error: str | None = Field(default=None, max_length=SYNC_ERROR_LENGTH)
    api_calls: int = 0
    snapshots: int = 0
    started_at: datetime = timestamp_field(default_factory=clock.now)
    finished_at: datetime | None = timestamp_field(default=None)


class ScheduleClaim(SQLModel, table=True):
    """One row per scheduled job and day: whichever replica inserts it runs the job."""

    __tablename__ = "schedule_claims"
    __table_args__ = (UniqueConstraint("job", "day", name="uq_schedule_claims_job_day"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    day: date
    claimed_at: datetime = timestamp_field(default_factory=clock.now)


class RawResponse(SQLModel, table=True):
    """The platform's raw answers of one sync, kept 30 days for debugging (zlib-compressed JSON)."""

    __tablename__ = "raw_responses"

    id: int | None = Field(default=None, primary_key=True)
    connection_id: uuid.UUID = Field(index=True)
    sync_id: uuid.UUID
    day: date = Field(index=True)
    fetched_at: datetime = timestamp_field(default_factory=clock.now, index=True)
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
