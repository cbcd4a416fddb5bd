"""What an admin (or the CRM's rules) states of a client's program, and what an import stored."""

from __future__ import annotations

import uuid
from datetime import date, datetime

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
