"""The portfolio's narrow bulk queries: the inputs' version, accounts, counts, rates, totals.

No query is per client and no ORM object is made (see the package's docstring). Lists of ids
are cut into chunks of :data:`CHUNK`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from services.analytics import history_store
from services.analytics.domain import portfolio as plain
from services.analytics.domain.signals import DailyRates
from services.analytics.models import Client, ConnectionStatus, DailySnapshot, TrackedConnection
from services.analytics.models import Deliverable as StoredDeliverable
from services.analytics.portfolio.cache import Version
from shared.db.types import as_utc


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


_connections = _table(TrackedConnection).alias("c")
_days = _table(DailySnapshot).alias("d")
_clients = _table(Client)
_deliverables = _table(StoredDeliverable)

CHUNK = history_store.CHUNK
"""Ids per ``IN (…)`` of the portfolio's queries: the history store's, one limit."""


async def read_version(db: AsyncConnection) -> Version:
    c, dl, cl = _connections, _deliverables, _clients
    connections = await db.execute(
        select(c.c.connection_id, c.c.client_id, c.c.platform, c.c.status, c.c.revision)
        .add_columns(c.c.connected_at)
        .where(c.c.status != ConnectionStatus.DISCONNECTED)
        .order_by(c.c.connection_id)
    )
    completions = await db.execute(
        select(dl.c.client_id, dl.c.code, dl.c.title, dl.c.due_on, dl.c.completed_on)
        .where(dl.c.removed.is_(False), dl.c.due_on.is_not(None), dl.c.completed_on.is_not(None))
        .order_by(dl.c.client_id, dl.c.code)
    )
    names = await db.execute(select(cl.c.client_id, cl.c.name).order_by(cl.c.client_id))
    return Version(
        connections=tuple(tuple(row) for row in connections),
        completions=tuple(tuple(row) for row in completions),
        names=tuple(tuple(row) for row in names),
    )


async def load_accounts(
    db: AsyncConnection,
    today: date,
    platform: str | None,
    connection_ids: Sequence[uuid.UUID] | None = None,
) -> list[plain.Account]:
    """Every account (not disconnected; of ``connection_ids`` if given) with its latest known
    count and last live day."""
    c = _connections
    inner = _table(DailySnapshot).alias("latest")
    own = (inner.c.connection_id == c.c.connection_id, inner.c.snapshot_date <= today)
    newest = inner.c.snapshot_date.desc()
    known = (*own, inner.c.followers.is_not(None))
    latest_day = select(inner.c.snapshot_date).where(*known).order_by(newest).limit(1)
    latest_count = select(inner.c.followers).where(*known).order_by(newest).limit(1)
    live = (*own, inner.c.backfill.is_(False), inner.c.imported.is_(False))
    last_live = select(inner.c.snapshot_date).where(*live).order_by(newest).limit(1)
    query = select(
        c.c.connection_id,
        c.c.client_id,
        c.c.platform,
        c.c.status,
        c.c.connected_at,
        latest_day.scalar_subquery(),
        latest_count.scalar_subquery(),
        last_live.scalar_subquery(),
    ).where(c.c.status != ConnectionStatus.DISCONNECTED)
    if platform is not None:
        query = query.where(c.c.platform == platform)
    rows = []
    for chunk in _chunked(query, c.c.connection_id, connection_ids):
        rows.extend(await db.execute(chunk))
    return [
        plain.Account(
            connection_id=row[0],
            client_id=row[1],
            platform=row[2],
            status=row[3],
            connected_on=_utc_date(row[4]),
            latest_day=row[5],
            latest_count=row[6],
            last_live_day=row[7],
        )
        for row in rows
    ]


def _utc_date(moment: datetime) -> date:
    """The UTC date of a stored instant."""
    aware = as_utc(moment)
    assert aware is not None
    return aware.astimezone(UTC).date()


def _joined_days(platform: str | None) -> Select[Any]:
    """The accounts' daily rows (accounts not disconnected, of ``platform`` if given)."""
    c, d = _connections, _days
    query = select().select_from(c.join(d, d.c.connection_id == c.c.connection_id))
    query = query.where(c.c.status != ConnectionStatus.DISCONNECTED)
    return query if platform is None else query.where(c.c.platform == platform)


async def load_counts_on(
    db: AsyncConnection, connection_ids: Sequence[uuid.UUID], days: Sequence[date]
) -> dict[uuid.UUID, dict[date, int | None]]:
    """Each account's known counts of ``days`` (a day absent: unknown).

    Both keys of the primary index are given as lists, so each database looks up
    ``accounts x days`` rows instead of scanning the table for the days.
    """
    d = _days
    out: dict[uuid.UUID, dict[date, int | None]] = defaultdict(dict)
    ids = sorted(connection_ids)
    for i in range(0, len(ids), CHUNK):
        query = select(d.c.connection_id, d.c.snapshot_date, d.c.followers).where(
            d.c.connection_id.in_(ids[i : i + CHUNK]),
            d.c.snapshot_date.in_(days),
            d.c.followers.is_not(None),
        )
        for connection_id, day, followers in await db.execute(query):
            out[connection_id][day] = followers
    return out


async def load_rates(
    db: AsyncConnection,
    start: date,
    end: date,
    platform: str | None,
    connection_ids: Sequence[uuid.UUID] | None = None,
) -> dict[uuid.UUID, DailyRates]:
    """Each account's known engagement rates of ``[start, end]`` (of ``connection_ids`` if
    given)."""
    d = _days
    query = (
        _joined_days(platform)
        .add_columns(d.c.connection_id, d.c.snapshot_date, d.c.engagement_rate)
        .where(d.c.snapshot_date.between(start, end), d.c.engagement_rate.is_not(None))
    )
    out: dict[uuid.UUID, dict[date, float | None]] = defaultdict(dict)
    for chunk in _chunked(query, d.c.connection_id, connection_ids):
        for connection_id, day, rate in await db.execute(chunk):
            out[connection_id][day] = rate
    return dict(out)


def _chunked(query: Select[Any], column: Any, ids: Sequence[uuid.UUID] | None) -> list[Select[Any]]:
    """``query`` itself when ``ids`` is None, else one query per ``CHUNK`` of ``ids``."""
    if ids is None:
        return [query]
    ordered = sorted(ids)
    return [query.where(column.in_(ordered[i : i + CHUNK])) for i in range(0, len(ordered), CHUNK)]


async def load_totals(
    db: AsyncConnection,
    accounts_per_client: dict[str, int],
    today: date,
    platform: str | None,
) -> dict[str, dict[date, int | None]]:
    """Each client's total of every day up to ``today``: known only when all its accounts are.

    The same figure as ``totals.daily_totals`` (a day with no row is absent, i.e. unknown),
    added up in SQL so that one row per client and day leaves the database.
    """
    c, d = _connections, _days
    out: dict[str, dict[date, int | None]] = {}
    ids = sorted(accounts_per_client)
    for i in range(0, len(ids), CHUNK):
        query = (
            _joined_days(platform)
            .add_columns(
                c.c.client_id, d.c.snapshot_date, func.sum(d.c.followers), func.count(d.c.followers)
            )
            .where(c.c.client_id.in_(ids[i : i + CHUNK]), d.c.snapshot_date <= today)
            .group_by(c.c.client_id, d.c.snapshot_date)
        )
        for client_id, day, total, known in await db.execute(query):
            series = out.setdefault(client_id, {})
            series[day] = int(total) if known == accounts_per_client[client_id] else None
    return out
