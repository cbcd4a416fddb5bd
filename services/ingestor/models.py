"""The ingestor's tables: the connections it syncs, and a record of every sync."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from shared.db.types import timestamp_field, utcnow


class KnownConnection(SQLModel, table=True):
    """What the ingestor learnt from connection events (its own copy, no tokens)."""

    __tablename__ = "known_connections"

    connection_id: uuid.UUID = Field(primary_key=True)
    client_id: str = Field(max_length=128, index=True)
    platform: str = Field(max_length=32, index=True)
    platform_user_id: str = Field(max_length=128)
    username: str = Field(max_length=255)
    active: bool = Field(default=True, index=True)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_runs"

    id: uuid.UUID = Field(primary_key=True)  # the SyncRequested event id: redelivery-safe
    connection_id: uuid.UUID = Field(index=True)
    platform: str = Field(max_length=32)
    reason: str = Field(max_length=32)
    status: str = Field(max_length=16)  # running | succeeded | failed
    error_class: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=1000)
    api_calls: int = 0
    snapshots: int = 0
    started_at: datetime = timestamp_field(default_factory=utcnow)
    finished_at: datetime | None = timestamp_field(default=None)
