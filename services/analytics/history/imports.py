"""Storing an admin's history import: the same path as the platform's snapshots.

The CSV is read by ``history_import``; the rows it gives are merged by the same rules
(:mod:`.sources`: an import never replaces a day the platform reported) and the connection is
derived again from all its days.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history_store
from services.analytics.history.merge import ImportedDay
from services.analytics.history.recompute import Recomputed
from services.analytics.history.rederive import rederive
from services.analytics.history.sources import DaySource, outranks
from services.analytics.history_store import Day
from shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class ImportRow:
    """One row of a history import (``date, followers[, following, posts]``)."""

    day: date
    followers: int
    following: int | None = None
    posts: int | None = None


@dataclass
class Imported:
    """What a history import did."""

    imported: list[date]
    """The days stored (new, or replacing an earlier import of the day)."""
    skipped_platform_days: list[date]
    """The days the platform already reported: an import never replaces them."""
    outcome: Recomputed


def plan_import(
    rows: Mapping[date, Day], days: Iterable[date], at: datetime
) -> tuple[list[date], list[date]]:
    """Which of ``days`` an import at ``at`` stores, and which it skips (the platform's)."""
    stored: list[date] = []
    skipped: list[date] = []
    for day in sorted(days):
        (stored if outranks(DaySource.IMPORT, at, rows.get(day)) else skipped).append(day)
    return stored, skipped


async def import_history(
    session: AsyncSession, connection_id: uuid.UUID, days: Sequence[ImportRow], at: datetime
) -> Imported | None:
    """Store an import of a connection's earlier days, derive it again, queue its events.

    One transaction, the same path as the platform's snapshots (``recompute``): the imported
    days are merged by the same rules and the connection is derived again from all its days.
    None when the connection is unknown.
    """
    tracked = (await history_store.lock(session, [connection_id])).get(connection_id)
    if tracked is None:
        return None
    loaded = await history_store.load_days(session, {connection_id: [d.day for d in days]})
    rows = loaded[connection_id]
    stored, skipped = plan_import(rows, (d.day for d in days), at)
    incoming = [
        ImportedDay(
            connection_id=connection_id,
            client_id=tracked.client_id,
            platform=tracked.platform,
            username=tracked.username,
            snapshot_date=d.day,
            imported_at=at,
            followers=d.followers,
            following=d.following,
            posts=d.posts,
        )
        for d in days
    ]
    outcomes = await rederive(
        session, {connection_id: tracked}, {connection_id: rows}, {connection_id: incoming}
    )
    await session.commit()
    outcome = outcomes[connection_id]
    log.info(
        "history imported",
        connection_id=str(connection_id),
        imported=len(stored),
        skipped_platform_days=len(skipped),
        revision=outcome.revision,
    )
    return Imported(imported=stored, skipped_platform_days=skipped, outcome=outcome)
