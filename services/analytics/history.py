"""Storing snapshots and deriving the history (the analytics service's use cases).

A batch of snapshots is merged into the stored days of each connection it touches; then the
connection's derived figures are recomputed (``domain.growth``) — those of the days the new facts
can reach, which gives what deriving all its stored days gives (``recompute``) — and a
``MetricsUpdated`` goes into the outbox — in the same transaction — for every day whose
published figures changed. The stored facts are order-independent (``supersedes``,
``series_supersedes``) and the derivation is a pure function of them, so the figures are the
same whatever order the days arrive in and however often each arrives.

A day's figures have one source (:class:`DaySource`): the live sync, the platform's history
(backfill), or an admin's history import (:func:`import_history`). The platform always wins
over an import — an import never overwrites a day the platform reported, and a day the
platform reports later replaces the imported one — while a later import replaces an earlier
import of the same day. Imported followers are observed counts (what the client recorded), so
they anchor the chains like the platform's; the day says where its figures came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history_store
from services.analytics.domain.followers import (
    ONE_DAY,
    DayFacts,
    DroppedChain,
    Source,
    follower_counts,
)
from services.analytics.domain.growth import WINDOWS, Growth, derive, growth_on
from services.analytics.history_store import Day, StoredDay
from services.analytics.models import ContentItemDay, DailySnapshot, TrackedConnection
from shared.db import upsert
from shared.db.types import as_utc
from shared.events import AccountSnapshot, ConnectionEvent, MetricsUpdated
from shared.events.connections import (
    ConnectionEstablished,
    ConnectionRemoved,
    ReauthorizationRequired,
)
from shared.logging import get_logger
from shared.messaging import topics
from shared.messaging.consumer import INFRASTRUCTURE_ERRORS
from shared.outbox import enqueue_many
from shared.redaction import redact_text

log = get_logger(__name__)

#: The day's figures a superseding snapshot replaces (the gains and losses have their own rule).
DAY_FIELDS = (
    "client_id",
    "username",
    "following",
    "posts",
    "engagement_rate",
    "reach",
    "views",
    "engagement_formula",
    "platform_metrics",
    "missing_metrics",
    "backfill",
    "fetched_at",
)


class DaySource(StrEnum):
    """Where a stored day's figures came from."""

    LIVE = "live"
    """The day's live sync."""
    PLATFORM = "platform"
    """The platform's own history of the day (a backfill)."""
    IMPORT = "import"
    """An admin's history import: counts the client recorded."""


#: Which source beats which: live over the platform's history over an import.
_RANK = {DaySource.IMPORT: 0, DaySource.PLATFORM: 1, DaySource.LIVE: 2}


def source_of(*, imported: bool, backfill: bool) -> DaySource:
    """A day's source from its two flags (never both set)."""
    if imported:
        return DaySource.IMPORT
    return DaySource.PLATFORM if backfill else DaySource.LIVE


def day_source(row: Day) -> DaySource:
    return source_of(imported=row.imported, backfill=row.backfill)


def outranks(source: DaySource, fetched_at: datetime, existing: Day | None) -> bool:
    """Do figures from ``source``, fetched at ``fetched_at``, replace the stored day's?

    The better source wins (live, then the platform's history, then an import); between two of
    a kind, the later fetch (an identical redelivery changes nothing either way).
    """
    if existing is None:
        return True
    stored = day_source(existing)
    if stored is not source:
        return _RANK[source] > _RANK[stored]
    stored_at = as_utc(existing.fetched_at)
    return stored_at is None or fetched_at >= stored_at


def supersedes(incoming: AccountSnapshot, existing: Day | None) -> bool:
    """Does ``incoming`` replace the day's figures that are stored?

    A live fetch beats the platform's history of the same day, and both beat an import; between
    two of a kind, the later fetch wins (an identical redelivery changes nothing either way).
    """
    source = DaySource.PLATFORM if incoming.backfill else DaySource.LIVE
    return outranks(source, incoming.fetched_at, existing)


@dataclass(frozen=True)
class ImportedDay:
    """One day of an admin's history import: the counts the client recorded for it."""

    connection_id: uuid.UUID
    client_id: str
    platform: str
    username: str
    snapshot_date: date
    imported_at: datetime
    followers: int
    following: int | None = None
    posts: int | None = None


def series_supersedes(incoming: AccountSnapshot, existing: Day | None) -> bool:
    """Do ``incoming``'s gains and losses replace the stored ones? The latest history fetch wins.

    Kept apart from the day's other figures: a day fetched live keeps the gains and losses a
    later re-fetch of the platform's history brings (they link it to the days around it).
    """
    if incoming.followers_gained is None and incoming.followers_lost is None:
        return False
    stored_at = as_utc(existing.series_fetched_at) if existing is not None else None
    return stored_at is None or incoming.fetched_at >= stored_at


#: The figures of a new day that nothing stated yet: the model's defaults, and its default
#: factories (called directly: pydantic inspects a factory's signature on every call).
_DAY_DEFAULTS = {
    name: field.default
    for name, field in DailySnapshot.model_fields.items()
    if field.default_factory is None and not field.is_required()
}
_DAY_FACTORIES = {
    name: cast(Callable[[], Any], field.default_factory)
    for name, field in DailySnapshot.model_fields.items()
    if field.default_factory is not None
}
sa.orm.configure_mappers()  # new_day builds rows before any query would configure them
_DAYS = sa.inspect(DailySnapshot).class_manager


def new_day(**values: Any) -> DailySnapshot:
    """A new day's row, its values set at once, the way SQLAlchemy sets a row it loads.

    ``DailySnapshot(...)`` runs every field through pydantic and the ORM's change tracking one
    by one, which costs more than deriving the day; the row is written by ``history_store``
    (Core), not by the unit of work. Columns not named get the model's defaults.
    """
    row: DailySnapshot = _DAYS.new_instance()
    row.__dict__.update(_DAY_DEFAULTS)
    row.__dict__.update({name: make() for name, make in _DAY_FACTORIES.items()})
    row.__dict__.update(values)
    row.__pydantic_fields_set__.update(values)
    return row


def merge(existing: DailySnapshot | None, incoming: AccountSnapshot | ImportedDay) -> DailySnapshot:
    """The stored day after ``incoming`` arrived (a new row, or ``existing`` updated)."""
    if isinstance(incoming, ImportedDay):
        return merge_import(existing, incoming)
    changes: dict[str, Any] = {}
    if supersedes(incoming, existing):
        changes = {name: getattr(incoming, name) for name in DAY_FIELDS}
        changes["followers_observed"] = incoming.followers
        changes["imported"] = False
    if series_supersedes(incoming, existing):
        changes["followers_gained"] = incoming.followers_gained
        changes["followers_lost"] = incoming.followers_lost
        changes["series_fetched_at"] = incoming.fetched_at
    if existing is None:  # a new day always takes the incoming figures (``supersedes``)
        return new_day(
            connection_id=incoming.connection_id,
            snapshot_date=incoming.snapshot_date,
            platform=incoming.platform.value,
            **changes,
        )
    for name, value in changes.items():
        setattr(existing, name, value)
    return existing


def merge_import(existing: DailySnapshot | None, incoming: ImportedDay) -> DailySnapshot:
    """The stored day after an import of it: the import's, unless the platform reported it."""
    row = existing or new_day(
        connection_id=incoming.connection_id,
        snapshot_date=incoming.snapshot_date,
        client_id=incoming.client_id,
        platform=incoming.platform,
        username=incoming.username,
        fetched_at=incoming.imported_at,
    )
    if not outranks(DaySource.IMPORT, incoming.imported_at, existing):
        return row
    # The whole day is the import's: nothing of an earlier import of it is left.
    row.client_id = incoming.client_id
    row.username = incoming.username
    row.followers_observed = incoming.followers
    row.following = incoming.following
    row.posts = incoming.posts
    row.followers_gained = row.followers_lost = row.series_fetched_at = None
    row.engagement_rate = row.engagement_formula = None
    row.reach = row.views = None
    row.platform_metrics, row.missing_metrics = {}, []
    row.backfill, row.imported = False, True
    row.fetched_at = incoming.imported_at
    return row


def facts(row: Day) -> DayFacts:
    return DayFacts(
        row.snapshot_date, row.followers_observed, row.followers_gained, row.followers_lost
    )


def apply_growth(row: Day, growth: Growth) -> None:
    """Set the day's derived figures; only those that changed (setting an ORM attribute costs
    far more than reading one, and most days of a recomputation keep their figures)."""
    derived = (
        ("followers", growth.followers),
        ("follower_source", growth.source.value if growth.source else None),
        ("followers_change_1d", growth.change_1d),
        ("followers_change_7d", growth.change_7d),
        ("followers_change_30d", growth.change_30d),
        ("growth_pct_7d", growth.growth_pct_7d),
        ("growth_pct_30d", growth.growth_pct_30d),
    )
    for name, value in derived:
        if getattr(row, name) != value:
            setattr(row, name, value)


def published(row: Day) -> tuple[Any, ...]:
    """What a day's ``MetricsUpdated`` says: an event goes out when this changes."""
    return (
        row.username,
        row.backfill,
        row.imported,
        row.followers,
        row.follower_source,
        row.followers_gained,
        row.followers_change_1d,
        row.followers_change_7d,
        row.followers_change_30d,
        row.growth_pct_7d,
        row.growth_pct_30d,
        row.engagement_rate,
        row.posts,
    )


def metrics_event(row: Day, platform: str, revision: int) -> MetricsUpdated:
    return MetricsUpdated(
        # Deterministic: the same recomputation of the same day is the same event.
        event_id=uuid.uuid5(row.connection_id, f"{row.snapshot_date}:{revision}"),
        connection_id=row.connection_id,
        client_id=row.client_id,
        platform=platform,
        username=row.username,
        metrics_date=row.snapshot_date,
        backfill=row.backfill,
        followers=row.followers,
        followers_change_1d=row.followers_change_1d,
        followers_change_7d=row.followers_change_7d,
        followers_change_30d=row.followers_change_30d,
        growth_pct_7d=row.growth_pct_7d,
        growth_pct_30d=row.growth_pct_30d,
        engagement_rate=row.engagement_rate,
        posts=row.posts,
        followers_source=row.follower_source,
        new_followers=row.followers_gained,
        revision=revision,
        imported=row.imported,
    )


Rows = MutableMapping[date, Day] | MutableMapping[date, DailySnapshot]
"""A connection's stored days: as loaded for a batch (``Days``), or whole rows."""


@dataclass
class Recomputed:
    """What storing a connection's snapshots did."""

    changed: list[Day] = field(default_factory=list)
    dropped: list[DroppedChain] = field(default_factory=list)
    revision: int = 0


def recompute(rows: Rows, incoming: Iterable[AccountSnapshot | ImportedDay]) -> Recomputed:
    """Merge ``incoming`` into ``rows`` (in place), derive again the days it can reach, report
    the changes — the same days and figures as :func:`recompute_all`, in far less time.

    ``rows`` hold what the last recomputation derived from them (every store path derives).
    A day's count depends only on the facts of its *reach*: the run of days that chains can
    cross (``domain.followers``: a chain passes from a day to the next only when the day's
    net change is known and the next day is stored). The incoming days change the facts of
    their own days and the links at their ends only, so a count can change only within the
    reach, before or after the merge, of an incoming day; every other day keeps its reach and
    its facts, hence its count. A day's growth reads the counts of that day and of 1, 7 and 30
    days before: only days at those distances after a recounted day can change. Those are
    derived again (the rest keep the stored figures, which equal what deriving them would
    give); a chain dropped for going below zero is reported when its reach is recounted.
    Plain data in, plain data out: the whole rule of the history, with no database.
    """
    arrived = list(incoming)
    touched = {fact.snapshot_date for fact in arrived}
    reached: set[date] = set()  # before the merge
    for day in touched:
        _add_reach(rows, day, reached)
    before = {day: published(rows[day]) for day in touched if day in rows}
    for fact in arrived:
        existing = rows.get(fact.snapshot_date)
        assert not isinstance(existing, StoredDay), "an incoming day is loaded whole"
        rows[fact.snapshot_date] = merge(existing, fact)
    reach: set[date] = set()  # after it, of every day reached before or arriving
    for day in sorted(reached | touched):
        _add_reach(rows, day, reach)
    counted, dropped = follower_counts(facts(rows[day]) for day in reach)
    affected = {day + timedelta(days=k) for day in reach for k in (0, *WINDOWS)}
    affected.intersection_update(rows)
    counts: dict[date, int] = {}
    for day in affected:
        for back in (0, *WINDOWS):
            at = day - timedelta(days=back)
            if at in reach:
                if at in counted:
                    counts[at] = counted[at].value
            elif (row := rows.get(at)) is not None and row.followers is not None:
                counts[at] = row.followers
    changed: list[Day] = []
    for day in sorted(affected):
        row = rows[day]
        previous = before[day] if day in before else None if day in touched else published(row)
        if day in reach:
            source = counted[day].source if day in counted else None
        else:
            source = Source(row.follower_source) if row.follower_source else None
        apply_growth(row, growth_on(counts, day, source))
        if published(row) != previous:
            changed.append(row)
    return Recomputed(changed=changed, dropped=dropped)


def _add_reach(rows: Mapping[date, Day], day: date, reach: set[date]) -> None:
    """Add to ``reach`` the stored days a chain can cross to from ``day`` (``day`` included,
    when stored): the run of days around it each linked to the next by a known net change."""
    if day not in rows or day in reach:
        return
    first = last = day
    while _linked(rows, first - ONE_DAY):
        first -= ONE_DAY
    while _linked(rows, last):
        last += ONE_DAY
    reach.update(first + timedelta(days=n) for n in range((last - first).days + 1))


def _linked(rows: Mapping[date, Day], day: date) -> bool:
    """Can a chain cross from ``day`` to the day after it (or back)?"""
    row = rows.get(day)
    return (
        row is not None
        and row.followers_gained is not None
        and row.followers_lost is not None
        and day + ONE_DAY in rows
    )


#: How far around the incoming days a daily sync loads a connection's stored days: the
#: growth windows (30 days) either side, and a day more to see where a chain stops.
MARGIN = timedelta(days=max(WINDOWS) + 1)
_SLACK = timedelta(days=7)
"""Room in a daily sync's window for a short chain around the incoming days."""


def window_holds(rows: Mapping[date, Day], days: Iterable[date], low: date, high: date) -> bool:
    """Do ``rows`` — a connection's stored days from ``low`` to ``high`` only — hold all that
    :func:`recompute` of incoming ``days`` reads, so that it gives what it gives on all days?

    It reads the reach of each incoming day after the merge, which lies within the reach,
    before it, of the day and of its neighbours (only the links at an incoming day change);
    then 30 days after the reach and 30 before it. Those must lie inside the window, and each
    reach must stop inside it (a chain at the window's edge may go on beyond it).
    """
    reach: set[date] = set()
    arriving = set(days)
    for day in arriving:
        for near in (day - ONE_DAY, day, day + ONE_DAY):
            _add_reach(rows, near, reach)
    reach |= arriving
    return not reach or (low + MARGIN <= min(reach) and max(reach) + MARGIN <= high)


def recompute_all(rows: Rows, incoming: Iterable[AccountSnapshot | ImportedDay]) -> Recomputed:
    """:func:`recompute` by its definition: every day derived again from all stored days. The
    reference the windowed one is tested against."""
    before = {day: published(row) for day, row in rows.items()}
    for fact in incoming:
        existing = rows.get(fact.snapshot_date)
        assert not isinstance(existing, StoredDay), "an incoming day is loaded whole"
        rows[fact.snapshot_date] = merge(existing, fact)
    derived, dropped = derive(facts(row) for row in rows.values())
    for day, row in rows.items():
        apply_growth(row, derived[day])
    changed = [row for day, row in sorted(rows.items()) if before.get(day) != published(row)]
    return Recomputed(changed=changed, dropped=dropped)


async def apply_connection_event(session: AsyncSession, event: ConnectionEvent) -> None:
    if isinstance(event, ConnectionEstablished):
        await upsert(
            session,
            TrackedConnection,
            {
                "connection_id": event.connection_id,
                "client_id": event.client_id,
                "platform": event.platform.value,
                "platform_user_id": event.platform_user_id,
                "username": event.username,
                "status": "active",
                "connected_at": event.connected_at,
            },
            conflict=["connection_id"],
        )
    elif isinstance(event, ConnectionRemoved | ReauthorizationRequired):
        tracked = await session.get(TrackedConnection, event.connection_id)
        if tracked is not None:
            tracked.status = (
                "disconnected" if isinstance(event, ConnectionRemoved) else "reauth_required"
            )
            session.add(tracked)
        if isinstance(event, ConnectionRemoved) and event.purge_history:
            connection = await session.connection()
            for table in (DailySnapshot, ContentItemDay):
                await connection.execute(
                    delete(table).where(col(table.connection_id) == event.connection_id)
                )
    await session.commit()


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
    outcomes = await _derive(session, tracked, days, incoming)
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
            error=redact_text(f"{type(error).__name__}: {error}")[:300],
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
    outcomes = await _derive(
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


async def _derive(
    session: AsyncSession,
    tracked: Mapping[uuid.UUID, history_store.Tracked],
    days: Mapping[uuid.UUID, MutableMapping[date, Day]],
    incoming: Mapping[uuid.UUID, Sequence[AccountSnapshot | ImportedDay]],
) -> dict[uuid.UUID, Recomputed]:
    """Merge each connection's incoming days into its stored ``days`` and derive it again
    (``recompute``); write the days that arrived or changed, and for each connection that
    changed a new revision and a ``MetricsUpdated`` per changed day — in the session's
    transaction."""
    outcomes: dict[uuid.UUID, Recomputed] = {}
    written: list[DailySnapshot] = []
    derived: list[Day] = []
    revisions: dict[uuid.UUID, int] = {}
    events: list[tuple[MetricsUpdated, str]] = []
    for connection_id, facts in incoming.items():
        connection, rows = tracked[connection_id], days[connection_id]
        outcome = recompute(rows, facts)
        outcome.revision = connection.revision
        if outcome.changed:
            outcome.revision = revisions[connection_id] = connection.revision + 1
            key = str(connection_id)
            events += (
                (metrics_event(row, connection.platform, outcome.revision), key)
                for row in outcome.changed
            )
        arrived = {f.snapshot_date for f in facts}
        written += (cast(DailySnapshot, rows[day]) for day in sorted(arrived))
        derived += (r for r in outcome.changed if r.snapshot_date not in arrived)
        _log_dropped(connection, outcome.dropped)
        outcomes[connection_id] = outcome
    await history_store.write_days(session, written)
    await history_store.write_derived(session, derived)
    await history_store.set_revisions(session, revisions)
    await enqueue_many(session, topics.METRICS_UPDATED, events)
    return outcomes


def _log_dropped(connection: history_store.Tracked, dropped: Iterable[DroppedChain]) -> None:
    for chain in dropped:
        log.warning(
            "follower history dropped: the platform's changes go below zero",
            connection_id=str(connection.connection_id),
            platform=connection.platform,
            anchor=chain.anchor.isoformat(),
            anchor_count=chain.anchor_count,
            first=chain.first.isoformat(),
            last=chain.last.isoformat(),
            lowest=chain.lowest,
        )


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


async def series(
    session: AsyncSession, connection_id: uuid.UUID, start: date, end: date
) -> list[DailySnapshot]:
    rows = await session.exec(
        select(DailySnapshot)
        .where(
            DailySnapshot.connection_id == connection_id,
            col(DailySnapshot.snapshot_date) >= start,
            col(DailySnapshot.snapshot_date) <= end,
        )
        .order_by(col(DailySnapshot.snapshot_date))
    )
    return list(rows.all())


async def tracked_for_client(session: AsyncSession, client_id: str) -> list[TrackedConnection]:
    rows = await session.exec(
        select(TrackedConnection)
        .where(TrackedConnection.client_id == client_id)
        .order_by(col(TrackedConnection.platform))
    )
    return list(rows.all())


async def latest_row(session: AsyncSession, connection_id: uuid.UUID) -> DailySnapshot | None:
    """The newest live day (the overview's "now"); before any, the newest day of the platform's
    history; before any of those, the newest imported day."""
    rows = await session.exec(
        select(DailySnapshot)
        .where(DailySnapshot.connection_id == connection_id)
        .order_by(
            col(DailySnapshot.imported),
            col(DailySnapshot.backfill),
            col(DailySnapshot.snapshot_date).desc(),
        )
        .limit(1)
    )
    return rows.first()
