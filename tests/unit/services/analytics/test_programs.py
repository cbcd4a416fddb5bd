"""Clients and deliverables from the CRM: the newest version wins, whatever the arrival order.

First the rule on plain data (``version``, ``newer``), then ``apply_event`` on a migrated SQLite
database: every order of the same events ends in the same stored state, a redelivery changes
nothing, an older event is ignored, and a removal is a tombstone an older upsert cannot undo.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import programs
from services.analytics.app import MIGRATIONS
from services.analytics.domain import program as domain
from services.analytics.models import Client, Deliverable
from services.analytics.programs import Outcome, event_version, newer, version
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import ClientUpserted, CrmEvent, DeliverableRemoved, DeliverableUpserted

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CLIENT = "c-42"


def client(at: datetime, **changes: Any) -> ClientUpserted:
    fields: dict[str, Any] = {
        "client_id": CLIENT,
        "name": "Dana Example",
        "email": "dana@example.com",
        "timezone": "Europe/Berlin",
        "program_start": date(2026, 9, 1),
        "program_end": date(2026, 12, 31),
        "follower_goal": 15_000,
        "updated_at": at,
    }
    return ClientUpserted(**{**fields, **changes})


def deliverable(at: datetime, code: str = "M1", **changes: Any) -> DeliverableUpserted:
    fields: dict[str, Any] = {
        "client_id": CLIENT,
        "code": code,
        "title": "Brand audit",
        "due_on": date(2026, 9, 15),
        "completed_on": None,
        "updated_at": at,
    }
    return DeliverableUpserted(**{**fields, **changes})


def removed(at: datetime, code: str = "M1") -> DeliverableRemoved:
    return DeliverableRemoved(client_id=CLIENT, code=code, updated_at=at)


# --- the rule, on plain data ---------------------------------------------------------------


def test_a_later_update_is_newer_and_an_earlier_one_is_not() -> None:
    stored = event_version(client(T0))
    assert newer(event_version(client(T0 + timedelta(seconds=1), name="B")), stored)
    assert not newer(event_version(client(T0 - timedelta(seconds=1), name="B")), stored)
    assert newer(event_version(client(T0)), None)  # nothing stored yet


def test_a_redelivery_compares_equal_and_is_applied() -> None:
    assert event_version(client(T0)) == event_version(client(T0))
    assert newer(event_version(client(T0)), event_version(client(T0)))


def test_two_events_of_the_same_instant_are_ordered_by_content_either_way() -> None:
    a, b = event_version(client(T0, name="Anna")), event_version(client(T0, name="Bea"))
    # Exactly one of them wins over the other, whichever is stored first: "Bea" > "Anna".
    assert newer(b, a)
    assert not newer(a, b)


def test_a_removal_beats_an_upsert_of_the_same_instant() -> None:
    assert newer(event_version(removed(T0)), event_version(deliverable(T0)))
    assert not newer(event_version(deliverable(T0)), event_version(removed(T0)))


def test_the_version_compares_instants_not_wall_clocks() -> None:
    # The same instant written naively (as SQLite hands it back) and with its offset.
    naive = version(T0.replace(tzinfo=None), {"a": 1})
    assert naive == version(T0, {"a": 1})


# --- storing ------------------------------------------------------------------------------


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _state(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[tuple[object, ...] | None, list[tuple[object, ...]]]:
    """The stored client and every deliverable row (tombstones included), as plain tuples."""
    async with sessions() as session:
        found = await session.get(Client, CLIENT)
        row: tuple[object, ...] | None = (
            None
            if found is None
            else (found.name, found.program_end, found.follower_goal, found.updated_at)
        )
        rows: list[tuple[object, ...]] = []
        for code in ("M1", "M2"):
            d = await session.get(Deliverable, (CLIENT, code))
            if d is not None:
                rows.append((d.code, d.title, d.completed_on, d.removed, d.updated_at))
        return row, rows


async def _apply_all(
    sessions: async_sessionmaker[AsyncSession], events: list[CrmEvent]
) -> list[Outcome]:
    outcomes = []
    for event in events:
        async with sessions() as session:
            outcomes.append(await programs.apply_event(session, event))
    return outcomes


EVENTS: list[Callable[[], CrmEvent]] = [
    lambda: client(T0),
    lambda: client(T0 + timedelta(hours=1), name="Dana Renamed", follower_goal=None),
    lambda: deliverable(T0),
    lambda: deliverable(T0 + timedelta(hours=2), completed_on=date(2026, 9, 14)),
    lambda: removed(T0 + timedelta(hours=3)),
    lambda: deliverable(T0 + timedelta(minutes=5), code="M2", title="Launch"),
]


async def test_every_order_of_the_same_events_ends_in_the_same_state(tmp_path: Path) -> None:
    """Six events (two of the client, three of M1, one of M2) in 120 of their 720 orders, the
    given one and its reverse among them: one outcome."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    expected = (
        ("Dana Renamed", date(2026, 12, 31), None, T0 + timedelta(hours=1)),
        [
            # M1's removal (03:00) is the newest of M1: a bare tombstone, whatever came before.
            ("M1", "", None, True, T0 + timedelta(hours=3)),
            ("M2", "Launch", None, False, T0 + timedelta(minutes=5)),
        ],
    )
    try:
        orders = list(itertools.permutations(range(len(EVENTS))))
        sample = [orders[0], orders[-1], *random.Random(20261120).sample(orders[1:-1], 118)]
        for order in sample:
            async with sessions() as session:
                connection = await session.connection()
                for table in (Client, Deliverable):
                    await connection.execute(delete(table))
                await session.commit()
            await _apply_all(sessions, [EVENTS[i]() for i in order])
            name, rows = await _state(sessions)
            # SQLite hands timestamps back naive (in UTC).
            assert name is not None
            got = (
                (*name[:3], _utc(name[3])),
                [(*r[:4], _utc(r[4])) for r in rows],
            )
            assert got == expected, order
    finally:
        await engine.dispose()


def _utc(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def test_a_redelivered_event_is_applied_and_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await _apply_all(sessions, [client(T0), deliverable(T0)]) == [Outcome.APPLIED] * 2
    before = await _state(sessions)
    assert await _apply_all(sessions, [client(T0), deliverable(T0)]) == [Outcome.APPLIED] * 2
    assert await _state(sessions) == before


async def test_an_older_event_is_stale_and_ignored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _apply_all(sessions, [client(T0, name="Newer")])
    [outcome] = await _apply_all(sessions, [client(T0 - timedelta(days=1), name="Older")])
    assert outcome is Outcome.STALE
    row, _ = await _state(sessions)
    assert row is not None and row[0] == "Newer"


async def test_a_removal_before_its_upsert_arrives_keeps_it_removed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The removal (newer) overtakes the upsert (older): the upsert finds the tombstone."""
    outcomes = await _apply_all(
        sessions, [client(T0), removed(T0 + timedelta(hours=1)), deliverable(T0)]
    )
    assert outcomes == [Outcome.APPLIED, Outcome.APPLIED, Outcome.STALE]
    async with sessions() as session:
        assert await programs.deliverable(session, CLIENT, "M1") is None
        found = await programs.program(session, CLIENT)
        assert found is not None and found.deliverables == []


async def test_a_newer_upsert_brings_a_removed_deliverable_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _apply_all(
        sessions,
        [client(T0), deliverable(T0), removed(T0 + timedelta(hours=1))],
    )
    await _apply_all(sessions, [deliverable(T0 + timedelta(hours=2), title="Brand audit v2")])
    async with sessions() as session:
        back = await programs.deliverable(session, CLIENT, "M1")
        assert back is not None and back.title == "Brand audit v2" and not back.removed


async def test_the_program_lists_live_deliverables_by_number(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _apply_all(
        sessions,
        [
            deliverable(T0, code="M10", title="Ten"),
            deliverable(T0, code="M2", title="Two"),
            client(T0),  # after its deliverables: they were kept for it
            deliverable(T0, code="M1", title="One"),
            deliverable(T0, code="M3", title="Three"),
            removed(T0 + timedelta(seconds=1), code="M3"),
        ],
    )
    async with sessions() as session:
        found = await programs.program(session, CLIENT)
        assert found is not None
        assert [d.code for d in found.deliverables] == ["M1", "M2", "M10"]
        assert await programs.program(session, "someone-else") is None


async def test_the_stored_program_maps_to_the_computations_types(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    done = date(2026, 9, 14)
    await _apply_all(
        sessions,
        [client(T0), deliverable(T0, code="M2", title="Two"), deliverable(T0, completed_on=done)],
    )
    async with sessions() as session:
        found = await programs.program(session, CLIENT)
    assert found is not None
    assert found.domain() == domain.Program(
        start=date(2026, 9, 1), end=date(2026, 12, 31), goal=15_000, timezone="Europe/Berlin"
    )
    assert found.domain_deliverables() == (
        domain.Deliverable("M1", "Brand audit", date(2026, 9, 15), done),
        domain.Deliverable("M2", "Two", date(2026, 9, 15), None),
    )
