"""Storing snapshots: a batch of any connections in one transaction, or connection by
connection should it fail. The days around the incoming ones are loaded, merged, derived again
(:mod:`.recompute`) and written back with their events (:mod:`.rederive`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history_store
from services.analytics.history.recompute import MARGIN, Recomputed, window_holds
from services.analytics.history.rederive import rederive
from services.analytics.history.sources import DaySource, day_source
from services.analytics.history_store import Day
from shared.db.types import as_utc
from shared.events import AccountSnapshot
from shared.logging import get_logger
from shared.messaging.consumer import INFRASTRUCTURE_ERRORS
from shared.redaction import redact_text

_SLACK = timedelta(days=7)
"""Room in a daily sync's window for a short chain around the incoming days."""

#: How much of a failed batch's error the log keeps.
ERROR_EXCERPT_CHARS = 300

log = get_logger(__name__)


async def store_snapshots(
    session: AsyncSession, snapshots: Sequence[AccountSnapshot]
) -> Recomputed:
    """Store one connection's snapshots, derive it again, queue its events; one transaction."""
    connection_id = snapshots[0].connection_id
    assert all(s.connection_id == connection_id for s in snapshots)
    return (await store_batch(session, snapshots))[connection_id]


async def store_batch(
    session: AsyncSession, snapshots: Sequence[AccountSnapshot]
) -> dict[uuid.UUID, Recomputed]:
    """Store snapshots of any connections, derive each connection again from all its days and
    queue its events: one transaction, a few statements for the whole batch (``history_store``).

    Each connection is derived once however many of its days the batch holds (a year of
    backfill is one recomputation and one revision, not 366).
    """
    incoming: dict[uuid.UUID, list[AccountSnapshot]] = {}
    for snapshot in snapshots:
        incoming.setdefault(snapshot.connection_id, []).append(snapshot)
    await history_store.track(session, snapshots)
    tracked = await history_store.lock(session, incoming)
    touched = {key: [s.snapshot_date for s in batch] for key, batch in incoming.items()}
    days = await _load_around(session, touched)
    outcomes = await rederive(session, tracked, days, incoming)
    owners = [s for key, batch in incoming.items() for s in content_winners(days[key], batch)]
    await history_store.replace_content(session, owners)
    await session.commit()
    return outcomes


async def _load_around(
    session: AsyncSession, touched: Mapping[uuid.UUID, Sequence[date]]
) -> dict[uuid.UUID, history_store.Days]:
    """The stored days :func:`recompute` of the ``touched`` days needs: those within
    :data:`MARGIN` of the batch's days when that is enough (a daily sync: a few weeks of a
    connection's year, :func:`window_holds`), else all of the connection's."""
    dates = [day for days in touched.values() for day in days]
    if not dates:
        return await history_store.load_days(session, touched)
    low, high = min(dates) - MARGIN - _SLACK, max(dates) + MARGIN + _SLACK
    days = await history_store.load_days(session, touched, between=(low, high))
    short = {
        key: touched[key]
        for key, rows in days.items()
        if not window_holds(rows, touched[key], low, high)
    }
    if short:
        days.update(await history_store.load_days(session, short))
    return days


async def store_isolating(
    sessions: async_sessionmaker[AsyncSession], snapshots: Sequence[AccountSnapshot]
) -> dict[uuid.UUID, Exception]:
    """:func:`store_batch` in one transaction; should it fail, in one per connection, so that a
    poison connection leaves the others' snapshots stored. Returns the errors by connection.

    An unavailable database is raised at once (every transaction would meet it, each after its
    own timeout): the consumer redelivers the whole batch later.
    """
    try:
        async with sessions() as session:
            await store_batch(session, snapshots)
        return {}
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as error:
        log.warning(
            "snapshot batch failed; storing it connection by connection",
            snapshots=len(snapshots),
            error=redact_text(f"{type(error).__name__}: {error}")[:ERROR_EXCERPT_CHARS],
        )
    by_connection: dict[uuid.UUID, list[AccountSnapshot]] = {}
    for snapshot in snapshots:
        by_connection.setdefault(snapshot.connection_id, []).append(snapshot)
    errors: dict[uuid.UUID, Exception] = {}
    for connection_id, batch in by_connection.items():
        try:
            async with sessions() as session:
                await store_batch(session, batch)
        except Exception as error:  # answered per delivery: the consumer policy decides
            errors[connection_id] = error
    return errors


def content_winners(
    rows: Mapping[date, Day], incoming: Iterable[AccountSnapshot]
) -> list[AccountSnapshot]:
    """The incoming live snapshots whose day figures were kept: their items are the day's."""
    winners: dict[date, AccountSnapshot] = {}
    for snapshot in incoming:
        row = rows[snapshot.snapshot_date]
        kept_at = as_utc(row.fetched_at)
        live = not snapshot.backfill and day_source(row) is DaySource.LIVE
        if live and kept_at == snapshot.fetched_at:
            winners[snapshot.snapshot_date] = snapshot
    return list(winners.values())
