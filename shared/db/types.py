"""Column helpers: every timestamp in the system is stored as UTC with its time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlmodel import Field


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything was written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def timestamp_field(**kwargs: Any) -> Any:
    """A ``timestamp with time zone`` column (asyncpg refuses aware values in naive columns)."""
    return Field(sa_type=DateTime(timezone=True), **kwargs)
