"""Alerts' tables: the latest known state of every watched account (input of the alert rules)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from shared.db.types import timestamp_field


class WatchedAccount(SQLModel, table=True):
    __tablename__ = "watched_accounts"

    connection_id: uuid.UUID = Field(primary_key=True)
    client_id: str = Field(max_length=128, index=True)
    platform: str = Field(max_length=32)
    username: str = Field(max_length=255)
    metrics_date: date
    followers: int | None = None
    followers_change_1d: int | None = None
    followers_change_7d: int | None = None
    growth_pct_7d: float | None = None
    followers_change_30d: int | None = None
    growth_pct_30d: float | None = None
    engagement_rate: float | None = None
    revision: int = 0
    """``MetricsUpdated.revision`` of the figures kept: an older one never overwrites them."""
    observed_at: datetime = timestamp_field()
