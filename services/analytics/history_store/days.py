"""The stored days: loaded narrow (made into objects only when read), written in bulk."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table, bindparam, update
from sqlalchemy.engine import Dialect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.history_store.keys import chunks
from services.analytics.models import DailySnapshot
from shared.db import upsert_many

_DAYS: Table = DailySnapshot.__table__  # type: ignore[attr-defined]


_DAY_COLUMNS = tuple(column.name for column in _DAYS.columns)
_DAY_KEY = ("connection_id", "snapshot_date")


Processor = Callable[[Any], Any] | None


#: The columns of a :class:`StoredDay`, in the order :func:`load_days` selects them.
FIELDS = (
    "connection_id",
    "snapshot_date",
    "client_id",
    "username",
    "followers_observed",
    "followers_gained",
    "followers_lost",
    "series_fetched_at",
    "followers",
    "follower_source",
    "followers_change_1d",
    "followers_change_7d",
    "followers_change_30d",
    "growth_pct_7d",
    "growth_pct_30d",
    "posts",
    "engagement_rate",
    "backfill",
    "imported",
    "fetched_at",
)


class StoredDay:
    """A stored day as the derivation sees it: its facts, its derived and published figures.

    What a recomputation reads of the days no incoming snapshot touches (most of a
    connection's days): a tuple of narrow columns, not an ORM row with its JSON columns —
    loading those was most of a daily sync's cost. Same attribute names as ``DailySnapshot``.
    """

    __slots__ = FIELDS
    connection_id: uuid.UUID
    snapshot_date: date
    client_id: str
    username: str
    followers_observed: int | None
    followers_gained: int | None
    followers_lost: int | None
    series_fetched_at: datetime | None
    followers: int | None
    follower_source: str | None
    followers_change_1d: int | None
    followers_change_7d: int | None
    followers_change_30d: int | None
    growth_pct_7d: float | None
    growth_pct_30d: float | None
    posts: int | None
    engagement_rate: float | None
    backfill: bool
    imported: bool
    fetched_at: datetime

    def __init__(self, *values: Any) -> None:
        """The values in the order of :data:`FIELDS`."""
        for name, value in zip(FIELDS, values, strict=True):
            setattr(self, name, value)


Day = DailySnapshot | StoredDay
_RAW = tuple(sa.type_coerce(_DAYS.c[name], sa.types.NullType()) for name in FIELDS)
"""The narrow columns as the driver gives them: converted only for the days read."""


class Days(MutableMapping[date, Day]):
    """A connection's stored days by date, each kept as the driver's row until it is read.

    A recomputation reads a few days of a connection's year (``history.recompute``); making
    an object of every day, and converting every value of it, cost more than the rest of the
    store (a day's key is converted, its other values when the day is read).
    """

    __slots__ = ("_connection_id", "_days", "_processors")

    def __init__(
        self, connection_id: uuid.UUID, processors: Sequence[tuple[int, Callable[[Any], Any]]]
    ) -> None:
        self._days: dict[date, Any] = {}
        self._connection_id = connection_id
        self._processors = processors

    def __getitem__(self, day: date) -> Day:
        value = self._days[day]
        if isinstance(value, StoredDay | DailySnapshot):
            return value
        values = list(value)
        values[0] = self._connection_id
        for at, process in self._processors:
            if values[at] is not None:
                values[at] = process(values[at])
        stored = self._days[day] = StoredDay(*values)
        return stored

    def __setitem__(self, day: date, value: Day) -> None:
        self._days[day] = value

    def __delitem__(self, day: date) -> None:
        del self._days[day]

    def __contains__(self, day: object) -> bool:
        return day in self._days

    def __iter__(self) -> Iterator[date]:
        return iter(self._days)

    def __len__(self) -> int:
        return len(self._days)

    def put_raw(self, day: date, row: Any) -> None:
        self._days[day] = row


#: The derived columns: all a recomputation changes of a day no snapshot touched.
DERIVED = (
    "followers",
    "follower_source",
    "followers_change_1d",
    "followers_change_7d",
    "followers_change_30d",
    "growth_pct_7d",
    "growth_pct_30d",
)


async def load_days(
    session: AsyncSession,
    touched: Mapping[uuid.UUID, Iterable[date]],
    *,
    between: tuple[date, date] | None = None,
) -> dict[uuid.UUID, Days]:
    """Every stored day of each connection of ``touched``: the days it names whole (ORM rows,
    to merge into), the others narrow (:class:`StoredDay`, made when read); only the days
    ``between`` two dates (inclusive) if given. One query per chunk of connections for each
    kind.

    The rows are detached from the session: they are written back by :func:`write_days` and
    :func:`write_derived`, never flushed by the unit of work.
    """
    connection = await session.connection()
    dialect = connection.dialect
    processors = [
        (at, process)
        for at, name in enumerate(FIELDS)
        if at and (process := _result_processor(dialect, _DAYS.c[name])) is not None
    ]
    ids = list(touched)
    days = {i: Days(i, processors) for i in ids}
    key_of = _result_processor(dialect, _DAYS.c.connection_id) or (lambda raw: raw)
    day_of = _result_processor(dialect, _DAYS.c.snapshot_date) or (lambda raw: raw)
    by_raw: dict[Any, Days] = {}
    d = _DAYS.c
    for chunk in chunks(ids):
        query = sa.select(*_RAW).where(d.connection_id.in_(chunk))
        if between is not None:
            query = query.where(d.snapshot_date.between(*between))
        result = await connection.execute(query)
        for row in result:
            raw = row[0]
            found = by_raw.get(raw)
            if found is None:
                found = by_raw[raw] = days[key_of(raw)]
            found.put_raw(day_of(row[1]), row)
    pairs = {(key, day) for key, dates in touched.items() for day in dates if day in days[key]}
    by_day: dict[date, list[uuid.UUID]] = {}
    for key, day in sorted(pairs):
        by_day.setdefault(day, []).append(key)
    for day, keys in by_day.items():
        for chunk in chunks(keys):
            whole = await session.exec(
                select(DailySnapshot).where(
                    col(DailySnapshot.snapshot_date) == day,
                    col(DailySnapshot.connection_id).in_(chunk),
                )
            )
            for full in whole.all():
                days[full.connection_id][full.snapshot_date] = full
                session.expunge(full)
    return days


def _result_processor(dialect: Dialect, column: sa.Column[Any]) -> Processor:
    """How SQLAlchemy turns the driver's value of ``column`` into Python's on SQLite (text
    UUIDs, dates and timestamps). asyncpg decodes every column of these types itself."""
    if dialect.name != "sqlite":
        return None
    process: Processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process


async def write_days(session: AsyncSession, rows: Iterable[DailySnapshot]) -> None:
    """Insert or replace each of ``rows`` whole (a day is one row per connection and date)."""
    values = [{name: getattr(row, name) for name in _DAY_COLUMNS} for row in rows]
    await upsert_many(session, DailySnapshot, values, conflict=_DAY_KEY)


async def write_derived(session: AsyncSession, rows: Iterable[Day]) -> None:
    """Set the derived columns of each of ``rows`` (stored days whose facts did not change)."""
    values = [
        {"key_id": row.connection_id, "key_day": row.snapshot_date}
        | {f"new_{name}": getattr(row, name) for name in DERIVED}
        for row in rows
    ]
    if not values:
        return
    d = _DAYS.c
    connection = await session.connection()
    await connection.execute(
        update(_DAYS)
        .where(d.connection_id == bindparam("key_id"), d.snapshot_date == bindparam("key_day"))
        .values({name: bindparam(f"new_{name}") for name in DERIVED}),
        values,
    )
