"""HTTP shapes of analytics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.date_params import BoundedDate
from shared.events.crm import (
    ClientName,
    CompletedOn,
    DeliverableTitle,
    Email,
    FollowerGoal,
    TimeZoneName,
    check_program_dates,
)

DaySourceName = Literal["live", "platform", "import"]


class AccountOverview(BaseModel):
    connection_id: uuid.UUID
    platform: str
    username: str
    status: str
    last_snapshot_date: date | None
    followers: int | None
    follower_source: str | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    engagement_rate: float | None
    engagement_formula: str | None
    posts: int | None
    missing_metrics: list[str]
    last_snapshot_source: DaySourceName | None = None
    """Where the latest day's figures came from: ``import`` only when the account has no day
    from the platform yet."""


class Totals(BaseModel):
    accounts: int
    followers: int
    followers_change_7d: int | None


class Overview(BaseModel):
    client_id: str
    as_of: date
    totals: Totals
    accounts: list[AccountOverview]


class DailyMetric(BaseModel):
    """One day. ``followers`` is the count at the start of the day: ``observed`` (stated by the
    platform, or recorded by the client for an imported day) or ``rebuilt`` (chained from an
    observed count through the platform's gains and losses), else None. ``new_followers`` /
    ``followers_lost`` are the platform's own daily series where it has them. ``source`` says
    where the day's figures came from: the live sync, the platform's history, or an admin's
    history import."""

    date: date
    followers: int | None
    follower_source: str | None
    new_followers: int | None
    followers_lost: int | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    following: int | None
    posts: int | None
    engagement_rate: float | None
    reach: int | None
    views: int | None
    backfill: bool
    source: DaySourceName


class MetricsHistory(BaseModel):
    connection_id: uuid.UUID
    platform: str
    username: str
    days: list[DailyMetric]


class ClientProgramBase(BaseModel):
    """A client and their coaching program."""

    name: str
    email: str
    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin")
    program_start: date
    program_end: date
    follower_goal: int | None = None


class ClientProgramUpdate(ClientProgramBase):
    """``PUT …/program``: the whole program (the same rules as the CRM's ``client.upserted``)."""

    model_config = ConfigDict(extra="forbid")

    name: ClientName
    email: Email
    timezone: TimeZoneName = Field(description="IANA time zone, e.g. Europe/Berlin")
    program_start: BoundedDate
    program_end: BoundedDate = Field(description="after program_start")
    follower_goal: FollowerGoal | None = Field(default=None, description="positive, or null")

    @model_validator(mode="after")
    def _dates(self) -> ClientProgramUpdate:
        check_program_dates(self.program_start, self.program_end)
        return self


class DeliverableBase(BaseModel):
    """One deliverable of a program (``M1``, ``M2`` …)."""

    title: str
    due_on: date
    completed_on: date | None = None


class DeliverableUpdate(DeliverableBase):
    """``PUT …/deliverables/{code}`` (the same rules as the CRM's ``deliverable.upserted``)."""

    model_config = ConfigDict(extra="forbid")

    title: DeliverableTitle
    due_on: BoundedDate
    completed_on: CompletedOn | None = Field(default=None, description="at most tomorrow (UTC)")


class DeliverablePublic(DeliverableBase):
    code: str
    updated_at: datetime


class ClientProgramPublic(ClientProgramBase):
    client_id: str
    updated_at: datetime
    """When the CRM (or an admin) last changed the program."""
    deliverables: list[DeliverablePublic]
    """By number: M1, M2, … M10."""


class HistoryImportPublic(BaseModel):
    """What ``POST …/import`` stored."""

    connection_id: uuid.UUID
    imported: int
    """Days stored: new days, or days replacing an earlier import of the same day."""
    skipped_platform_days: list[date]
    """Days the platform already reported: never replaced by an import (not an error)."""
    revision: int
    """The connection's revision after the import (``MetricsUpdated.revision``)."""
