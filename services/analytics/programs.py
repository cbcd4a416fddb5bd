"""Clients' programs and deliverables: what the CRM (or an admin) last stated, newest first.

Both ways in — the CRM's events on ``crm.clients.v1`` and the admin HTTP routes, which build
the same events — end in :func:`apply_event`, so both are checked and stored by the same rule:
a record (a client, or one deliverable of a client) takes an event only if the event's
:func:`version` is not older than the stored one. The version is ``updated_at`` and then, for
two different events of the same instant, their content (a removal beats an upsert), so the
stored state is a function of the *set* of events, never of their arrival order; a redelivered
event compares equal and writes what is already there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain import program as plain
from services.analytics.models import Client, Deliverable
from shared.db.types import as_utc
from shared.events import ClientUpserted, CrmEvent, DeliverableUpserted
from shared.events.crm import deliverable_number
from shared.logging import get_logger

log = get_logger(__name__)

Version = tuple[datetime, bool, str]
"""``(updated_at, removed, content)``: compared as a tuple, the larger is the newer."""

CLIENT_FIELDS = ("name", "email", "timezone", "program_start", "program_end", "follower_goal")
DELIVERABLE_FIELDS = ("title", "due_on", "completed_on")


class Outcome(StrEnum):
    APPLIED = "applied"
    """The event's version was not older than the stored one: the record is the event's now."""
    STALE = "stale"
    """A newer version is stored: the event changed nothing."""


def _content(values: Mapping[str, object]) -> str:
    """The record's content as one comparable string (dates as ISO text, None as null)."""
    return json.dumps(
        {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()},
        sort_keys=True,
    )


def version(updated_at: datetime, content: Mapping[str, object] | None) -> Version:
    """The version of a record whose ``content`` is ``None`` when it is removed."""
    stamp = as_utc(updated_at)
    assert stamp is not None
    return (stamp, content is None, "" if content is None else _content(content))


def newer(incoming: Version, stored: Version | None) -> bool:
    """Does a record at version ``stored`` (None: no record) take an event at ``incoming``?"""
    return stored is None or incoming >= stored


def event_version(event: CrmEvent) -> Version:
    if isinstance(event, ClientUpserted):
        return version(event.updated_at, {f: getattr(event, f) for f in CLIENT_FIELDS})
    if isinstance(event, DeliverableUpserted):
        return version(event.updated_at, {f: getattr(event, f) for f in DELIVERABLE_FIELDS})
    return version(event.updated_at, None)


def client_version(row: Client) -> Version:
    return version(row.updated_at, {f: getattr(row, f) for f in CLIENT_FIELDS})


def deliverable_version(row: Deliverable) -> Version:
    content = None if row.removed else {f: getattr(row, f) for f in DELIVERABLE_FIELDS}
    return version(row.updated_at, content)


@dataclass(frozen=True)
class Program:
    """A client's program with its deliverables (by number: M1, M2, … M10)."""

    client: Client
    deliverables: list[Deliverable]

    def domain(self) -> plain.Program:
        """The program as the computations take it (``domain/program.py``)."""
        client = self.client
        return plain.Program(
            start=client.program_start,
            end=client.program_end,
            goal=client.follower_goal,
            timezone=client.timezone,
        )

    def domain_deliverables(self) -> tuple[plain.Deliverable, ...]:
        """The live deliverables as the computations take them, by number."""
        return tuple(
            plain.Deliverable(
                code=d.code, title=d.title, due_on=d.due_on, completed_on=d.completed_on
            )
            for d in self.deliverables
            if d.due_on is not None
        )


async def apply_event(session: AsyncSession, event: CrmEvent) -> Outcome:
    """Store ``event`` if it is not older than what is stored; one transaction, committed.

    Two writers creating the same record at once (the CRM consumer and an admin request) meet
    at the primary key: the loser rolls back and applies its event again, now over the row.
    """
    try:
        return await _apply(session, event)
    except IntegrityError:
        await session.rollback()
        return await _apply(session, event)


async def _apply(session: AsyncSession, event: CrmEvent) -> Outcome:
    incoming = event_version(event)
    if isinstance(event, ClientUpserted):
        client = await session.get(Client, event.client_id, with_for_update=True)
        if client is not None and not newer(incoming, client_version(client)):
            return await _stale(session, event)
        fields = {name: getattr(event, name) for name in CLIENT_FIELDS}
        if client is None:
            client = Client(client_id=event.client_id, updated_at=event.updated_at, **fields)
        for name, value in fields.items():
            setattr(client, name, value)
        client.updated_at = event.updated_at
        session.add(client)
    else:
        key = (event.client_id, event.code)
        row = await session.get(Deliverable, key, with_for_update=True)
        if row is not None and not newer(incoming, deliverable_version(row)):
            return await _stale(session, event)
        row = row or Deliverable(client_id=event.client_id, code=event.code, title="")
        if isinstance(event, DeliverableUpserted):
            for name in DELIVERABLE_FIELDS:
                setattr(row, name, getattr(event, name))
            row.removed = False
        else:  # a bare tombstone: what it replaced depends on what had arrived before it
            row.title, row.due_on, row.completed_on = "", None, None
            row.removed = True
        row.updated_at = event.updated_at
        session.add(row)
    await session.commit()
    return Outcome.APPLIED


async def _stale(session: AsyncSession, event: CrmEvent) -> Outcome:
    await session.rollback()  # lets the row lock go
    log.info(
        "crm event older than the stored record: ignored",
        type=event.type,
        client_id=event.client_id,
        updated_at=event.updated_at.isoformat(),
    )
    return Outcome.STALE


async def program(session: AsyncSession, client_id: str) -> Program | None:
    """The client's program and live deliverables; None when the client is unknown."""
    client = await session.get(Client, client_id)
    if client is None:
        return None
    rows = await session.exec(
        select(Deliverable).where(
            col(Deliverable.client_id) == client_id, col(Deliverable.removed).is_(False)
        )
    )
    deliverables = sorted(rows.all(), key=lambda d: deliverable_number(d.code))
    return Program(client=client, deliverables=deliverables)


async def deliverable(session: AsyncSession, client_id: str, code: str) -> Deliverable | None:
    """The client's deliverable ``code`` unless it is unknown or removed."""
    row = await session.get(Deliverable, (client_id, code))
    return None if row is None or row.removed else row
