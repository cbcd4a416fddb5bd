"""The history's tables, read and written in bulk: a batch of snapshots in a few statements.

SQLAlchemy Core on the session's transaction, one statement (an executemany) per table and
batch however many connections it holds — the ORM's unit of work per row cost far more than
storing itself (about 70% of intake's time). Lists of keys are cut into chunks of
:data:`CHUNK`, well under both databases' limits on bound parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.engine import Dialect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.models import ContentItemDay, DailySnapshot, TrackedConnection
from shared.db import upsert_many
from shared.db.bulk import insert_many
from shared.events import AccountSnapshot

CHUNK = 500
"""Keys per ``IN`` list."""

_TRACKED: Table = TrackedConnection.__table__  # type: ignore[attr-defined]
_DAYS: Table = DailySnapshot.__table__  # type: ignore[attr-defined]
_CONTENT: Table = ContentItemDay.__table__  # type: ignore[attr-defined]
_DAY_COLUMNS = tuple(column.name for column in _DAYS.columns)
_DAY_KEY = ("connection_id", "snapshot_date")

K = TypeVar("K")
Processor = Callable[[Any], Any] | None


def chunks(keys: Sequence[K], size: int = CHUNK) -> Iterator[Sequence[K]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


@dataclass(frozen=True)
class Tracked:
    """A connection as analytics tracks it, read under its row lock."""

    connection_id: uuid.UUID
    client_id: str
    platform: str
    username: str
    revision: int


async def track(session: AsyncSession, snapshots: Iterable[AccountSnapshot]) -> None:
    """Track the connection of each snapshot not tracked yet (a snapshot can overtake its
    connection event); a tracked one is left as it is. Inserted in id order, as locked."""
    first: dict[uuid.UUID, AccountSnapshot] = {}
    for snapshot in snapshots:
        first.setdefault(snapshot.connection_id, snapshot)
    rows = [
        {
            "connection_id": s.connection_id,
            "client_id": s.client_id,
            "platform": s.platform.value,
            "platform_user_id": s.platform_user_id,
            "username": s.username,
            "status": "active",
            "connected_at": s.fetched_at,
        }
        for _, s in sorted(first.items())
    ]
    await upsert_many(session, TrackedConnection, rows, conflict=["connection_id"], update=[])


async def lock(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Tracked]:
    """The tracked connections among ``ids``, their rows locked until the transaction ends.

    Meant as a transaction's first statement (after :func:`track`, itself a write), so that
    nothing it reads next can change before it commits. On PostgreSQL a ``SELECT … FOR
    UPDATE`` in id order — the same order every transaction takes them in, so two never
    deadlock. On SQLite a no-op ``UPDATE … RETURNING``: SQLite begins a write transaction only
    at a write, so a read first would let another writer commit between this transaction's
    read and its writes; the ``UPDATE`` takes the database's writer lock at once. Either way the
    snapshot consumer and a history import never derive a connection at once, and its
    revisions never collide.
    """
    found: dict[uuid.UUID, Tracked] = {}
    t = _TRACKED.c
    columns = (t.connection_id, t.client_id, t.platform, t.username, t.revision)
    connection = await session.connection()
    sqlite = connection.dialect.name == "sqlite"
    for chunk in chunks(sorted(set(ids))):
        statement = (
            update(_TRACKED)
            .where(t.connection_id.in_(chunk))
            .values(revision=t.revision)
            .returning(*columns)
            if sqlite
            else sa.select(*columns)
            .where(t.connection_id.in_(chunk))
            .order_by(t.connection_id)
            .with_for_update()
        )
        for row in await connection.execute(statement):
            found[row.connection_id] = Tracked(*row)
    return found


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


async def set_revisions(session: AsyncSession, revisions: Mapping[uuid.UUID, int]) -> None:
    if not revisions:
        return
    connection = await session.connection()
    await connection.execute(
        update(_TRACKED)
        .where(_TRACKED.c.connection_id == bindparam("key"))
        .values(revision=bindparam("value")),
        [{"key": key, "value": value} for key, value in sorted(revisions.items())],
    )


#: The columns of a ``content_items`` row, in the order :func:`content_rows` gives them.
CONTENT_COLUMNS = (
    "connection_id",
    "item_id",
    "seen_on",
    "client_id",
    "platform",
    "kind",
    "published_at",
    "url",
    "caption",
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saves",
    "engagement_rate",
    "fetched_at",
)


def content_rows(snapshot: AccountSnapshot) -> list[tuple[Any, ...]]:
    """The ``content_items`` rows of a snapshot's day: one per item (the last of an id wins)."""
    connection_id, day, client_id = (
        snapshot.connection_id,
        snapshot.snapshot_date,
        snapshot.client_id,
    )
    platform, fetched_at = snapshot.platform.value, snapshot.fetched_at
    items = {item.item_id: item for item in snapshot.recent_items}
    return [
        (
            connection_id,
            item.item_id,
            day,
            client_id,
            platform,
            item.kind,
            item.published_at,
            item.url,
            item.caption,
            item.views,
            item.reach,
            item.likes,
            item.comments,
            item.shares,
            item.saves,
            item.engagement_rate,
            fetched_at,
        )
        for item in items.values()
    ]


async def replace_content(session: AsyncSession, owners: Sequence[AccountSnapshot]) -> None:
    """Make each snapshot's items the whole content of its connection and day: the days' rows
    deleted (:func:`_delete_content`), then one insert of every item."""
    if not owners:
        return
    await _delete_content(session, {(s.connection_id, s.snapshot_date) for s in owners})
    rows = (row for snapshot in owners for row in content_rows(snapshot))
    await insert_many(session, _CONTENT, CONTENT_COLUMNS, rows)


async def _delete_content(session: AsyncSession, pairs: set[tuple[uuid.UUID, date]]) -> None:
    """Delete the content rows of these (connection, day) pairs, grouped the way that takes
    fewer statements: by day (a live batch: many connections, one day) or by connection (a
    backfill: one connection, many days). A plain ``IN`` list on one column, which PostgreSQL
    plans as one index scan, where a list of pairs is planned as one scan per pair."""
    by_day: dict[date, list[uuid.UUID]] = {}
    by_connection: dict[uuid.UUID, list[date]] = {}
    for connection_id, day in sorted(pairs):
        by_day.setdefault(day, []).append(connection_id)
        by_connection.setdefault(connection_id, []).append(day)
    c = _CONTENT.c
    statements = (
        [
            delete(_CONTENT).where(c.seen_on == day, c.connection_id.in_(chunk))
            for day, ids in by_day.items()
            for chunk in chunks(ids)
        ]
        if len(by_day) <= len(by_connection)
        else [
            delete(_CONTENT).where(c.connection_id == connection_id, c.seen_on.in_(chunk))
            for connection_id, days in by_connection.items()
            for chunk in chunks(days)
        ]
    )
    connection = await session.connection()
    for statement in statements:
        await connection.execute(statement)
