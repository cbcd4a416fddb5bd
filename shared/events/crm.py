"""Clients and their coaching programs, published by the CRM (topic ``crm.clients.v1``).

The CRM is outside this system: it owns the topic and publishes to it, keyed by ``client_id``;
analytics follows it (group ``analytics.crm``) and keeps its own copy. The admin HTTP routes of
analytics build the same events, so both ways in are checked by the same rules (below) and
stored by the same code.

**Newest wins, whatever the order.** Every event carries ``updated_at``, when the CRM last
changed the record. A record (a client, or one deliverable of a client) is replaced only by an
event whose version is not older than the stored one: the version is ``updated_at``, then —
between two different events of the same instant — the event's content, compared as a whole
(a removal beats an upsert), so the outcome never depends on arrival order, and a redelivered
event leaves the record as it was. A removal is kept as a tombstone, so an older upsert that
arrives after it changes nothing.

**Rules** (a message that breaks one is dead-lettered; the same rule over HTTP is a 422):
``timezone`` is an IANA name (``Europe/Berlin``); ``program_end`` is after ``program_start``;
``follower_goal`` is positive; a deliverable's ``code`` is ``M1`` … ``M999``; every date is
within 2000-01-01 … today + 365 days (UTC), like every date of the system's APIs, and
``completed_on`` is at most tomorrow (a completion is a past event; one day of slack for time
zones); ``updated_at`` carries its offset and is at most five minutes ahead of our clock.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared import clock
from shared.date_params import EARLIEST, BoundedDate
from shared.events.base import Event

#: How far ahead of our clock an ``updated_at`` may be (the CRM's clock may run a little fast).
CLOCK_SKEW = timedelta(minutes=5)
#: How far past today a completion date may be.
COMPLETION_AHEAD = timedelta(days=1)
CODE_PATTERN = r"^M[1-9][0-9]{0,2}$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
#: Names the tz database lists that are not places: never a client's zone.
_NOT_ZONES = frozenset({"localtime", "Factory"})


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONES


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise PydanticCustomError(
            "timezone", "Input should be an IANA time zone such as Europe/Berlin"
        )
    return value


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError("email", "Input should be an e-mail address (name@domain)")
    return value


def _check_updated_at(value: datetime) -> datetime:
    latest = clock.now() + CLOCK_SKEW
    if value > latest:
        raise PydanticCustomError(
            "updated_at_in_future",
            "Input should not be later than {latest} (now + 5 minutes)",
            {"latest": latest.isoformat()},
        )
    if value < datetime.combine(EARLIEST, time.min, UTC):
        raise PydanticCustomError(
            "date_out_of_range",
            "Input should not be earlier than {earliest}",
            {"earliest": EARLIEST.isoformat()},
        )
    return value


def _check_completed_on(value: date) -> date:
    latest = clock.today() + COMPLETION_AHEAD
    if value > latest:
        raise PydanticCustomError(
            "completed_in_future",
            "Input should not be later than {latest} (today + 1 day, UTC)",
            {"latest": latest.isoformat()},
        )
    return value


ClientId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ClientName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=320),
    AfterValidator(_check_email),
]
TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_zone)]
FollowerGoal = Annotated[int, Field(gt=0, le=2_000_000_000)]
DeliverableCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
DeliverableTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
]
CompletedOn = Annotated[BoundedDate, AfterValidator(_check_completed_on)]
UpdatedAt = Annotated[AwareDatetime, AfterValidator(_check_updated_at)]
"""When the record last changed: with its offset, from 2000-01-01, at most 5 minutes ahead."""


def check_program_dates(start: date, end: date) -> None:
    """``program_end`` must come after ``program_start``."""
    if end <= start:
        raise PydanticCustomError(
            "program_dates",
            "program_end ({end}) should be after program_start ({start})",
            {"start": start.isoformat(), "end": end.isoformat()},
        )


def deliverable_number(code: str) -> int:
    """``M12`` → 12: deliverables are listed in this order."""
    return int(code[1:])


class _CrmEvent(Event):
    client_id: ClientId
    updated_at: UpdatedAt


class ClientUpserted(_CrmEvent):
    """A client and their program, created or changed in the CRM."""

    type: Literal["client.upserted"] = "client.upserted"
    name: ClientName
    email: Email
    timezone: TimeZoneName
    program_start: BoundedDate
    program_end: BoundedDate
    follower_goal: FollowerGoal | None = None

    @model_validator(mode="after")
    def _dates(self) -> ClientUpserted:
        check_program_dates(self.program_start, self.program_end)
        return self


class DeliverableUpserted(_CrmEvent):
    """A deliverable (``M1``, ``M2`` …) of a client's program, created or changed."""

    type: Literal["deliverable.upserted"] = "deliverable.upserted"
    code: DeliverableCode
    title: DeliverableTitle
    due_on: BoundedDate
    completed_on: CompletedOn | None = None


class DeliverableRemoved(_CrmEvent):
    """A deliverable taken out of a client's program."""

    type: Literal["deliverable.removed"] = "deliverable.removed"
    code: DeliverableCode


CrmEvent = Annotated[
    ClientUpserted | DeliverableUpserted | DeliverableRemoved, Field(discriminator="type")
]
crm_event_adapter: TypeAdapter[CrmEvent] = TypeAdapter(CrmEvent)
