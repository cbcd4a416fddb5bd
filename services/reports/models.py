"""Reports' tables: the per-day figures weekly and program-completion reports are made from."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from shared.db.types import timestamp_field


class ReportDay(SQLModel, table=True):
    __tablename__ = "report_days"

    connection_id: uuid.UUID = Field(primary_key=True)
    metrics_date: date = Field(primary_key=True)
    client_id: str = Field(max_length=128, index=True)
    platform: str = Field(max_length=32)
    username: str = Field(max_length=255)
    followers: int | None = None
    followers_change_1d: int | None = None
    followers_change_7d: int | None = None
    growth_pct_7d: float | None = None
    growth_pct_30d: float | None = None
    engagement_rate: float | None = None
    posts: int | None = None
    followers_change_30d: int | None = None
    new_followers: int | None = None
    follower_source: str | None = Field(default=None, max_length=16)
    backfill: bool = False
    revision: int = 0
    """``MetricsUpdated.revision`` of the figures kept: an older one never overwrites them."""
    received_at: datetime = timestamp_field()
