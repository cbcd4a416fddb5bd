"""Storing snapshots and deriving the history (the analytics service's use cases).

A batch of snapshots is merged into the stored days of each connection it touches; then the
connection's derived figures are recomputed from *all* its stored days (``domain.growth``) and a
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain.followers import DayFacts, DroppedChain
from services.analytics.domain.growth import Growth, derive
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
from shared.outbox import enqueue

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


def day_source(row: DailySnapshot) -> DaySource:
    if row.imported:
        return DaySource.IMPORT
    return DaySource.PLATFORM if row.backfill else DaySource.LIVE


def outranks(source: DaySource, fetched_at: datetime, existing: DailySnapshot | None) -> bool:
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


def supersedes(incoming: AccountSnapshot, existing: DailySnapshot | None) -> bool:
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


def series_supersedes(incoming: AccountSnapshot, existing: DailySnapshot | None) -> bool:
    """Do ``incoming``'s gains and losses replace the stored ones? The latest history fetch wins.

    Kept apart from the day's other figures: a day fetched live keeps the gains and losses a
    later re-fetch of the platform's history brings (they link it to the days around it).
    """
    if incoming.followers_gained is None and incoming.followers_lost is None:
        return False
    stored_at = as_utc(existing.series_fetched_at) if existing is not None else None
    return stored_at is None or incoming.fetched_at >= stored_at


def merge(existing: DailySnapshot | None, incoming: AccountSnapshot | ImportedDay) -> DailySnapshot:
    """The stored day after ``incoming`` arrived (a new row, or ``existing`` updated)."""
    if isinstance(incoming, ImportedDay):
        return merge_import(existing, incoming)
    row = existing or DailySnapshot(
        connection_id=incoming.connection_id,
        snapshot_date=incoming.snapshot_date,
        client_id=incoming.client_id,
        platform=incoming.platform.value,
        username=incoming.username,
        backfill=incoming.backfill,
        fetched_at=incoming.fetched_at,
    )
    if supersedes(incoming, existing):
        for name in DAY_FIELDS:
            setattr(row, name, getattr(incoming, name))
        row.recent_items = [item.model_dump(mode="json") for item in incoming.recent_items]
        row.followers_observed = incoming.followers
        row.imported = False
    if series_supersedes(incoming, existing):
        row.followers_gained = incoming.followers_gained
        row.followers_lost = incoming.followers_lost
        row.series_fetched_at = incoming.fetched_at
    return row


def merge_import(existing: DailySnapshot | None, incoming: ImportedDay) -> DailySnapshot:
    """The stored day after an import of it: the import's, unless the platform reported it."""
    row = existing or DailySnapshot(
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
    row.platform_metrics, row.missing_metrics, row.recent_items = {}, [], []
    row.backfill, row.imported = False, True
    row.fetched_at = incoming.imported_at
    return row


def facts(row: DailySnapshot) -> DayFacts:
    return DayFacts(
        row.snapshot_date, row.followers_observed, row.followers_gained, row.followers_lost
    )


def apply_growth(row: DailySnapshot, growth: Growth) -> None:
    row.followers = growth.followers
    row.follower_source = growth.source.value if growth.source else None
    row.followers_change_1d = growth.change_1d
    row.followers_change_7d = growth.change_7d
    row.followers_change_30d = growth.change_30d
    row.growth_pct_7d = growth.growth_pct_7d
    row.growth_pct_30d = growth.growth_pct_30d


def published(row: DailySnapshot) -> tuple[Any, ...]:
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


def metrics_event(row: DailySnapshot, platform: str, revision: int) -> MetricsUpdated:
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


@dataclass
class Recomputed:
    """What storing a connection's snapshots did."""

    changed: list[DailySnapshot] = field(default_factory=list)
    dropped: list[DroppedChain] = field(default_factory=list)
    revision: int = 0


def recompute(
    rows: dict[date, DailySnapshot], incoming: Iterable[AccountSnapshot | ImportedDay]
) -> Recomputed:
    """Merge ``incoming`` into ``rows`` (in place), derive every day again, report the changes.

    Plain data in, plain data out: the whole rule of the history, with no database.
    """
    before = {day: published(row) for day, row in rows.items()}
    for fact in incoming:
        rows[fact.snapshot_date] = merge(rows.get(fact.snapshot_date), fact)
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


async def _track(session: AsyncSession, snapshot: AccountSnapshot) -> TrackedConnection:
    """The connection of ``snapshot`` (a snapshot can overtake its connection event)."""
    await upsert(
        session,
        TrackedConnection,
        {
            "connection_id": snapshot.connection_id,
            "client_id": snapshot.client_id,
            "platform": snapshot.platform.value,
            "platform_user_id": snapshot.platform_user_id,
            "username": snapshot.username,
            "status": "active",
            "connected_at": snapshot.fetched_at,
        },
        conflict=["connection_id"],
        update=[],
    )
    tracked = await _locked(session, snapshot.connection_id)
    assert tracked is not None
    return tracked


async def _locked(session: AsyncSession, connection_id: uuid.UUID) -> TrackedConnection | None:
    """The connection, its row locked until the transaction ends (PostgreSQL; SQLite has one
    writer anyway): the snapshot consumer and a history import never derive it at once, so
    their revisions never collide."""
    return await session.get(TrackedConnection, connection_id, with_for_update=True)


async def _stored_days(
    session: AsyncSession, connection_id: uuid.UUID
) -> dict[date, DailySnapshot]:
    stored = await session.exec(
        select(DailySnapshot).where(col(DailySnapshot.connection_id) == connection_id)
    )
    return {row.snapshot_date: row for row in stored.all()}


async def store_snapshots(
    session: AsyncSession, snapshots: Sequence[AccountSnapshot]
) -> Recomputed:
    """Store one connection's snapshots, derive it again, queue its events; one transaction."""
    connection_id = snapshots[0].connection_id
    assert all(s.connection_id == connection_id for s in snapshots)
    tracked = await _track(session, snapshots[0])
    rows = await _stored_days(session, connection_id)
    outcome = recompute(rows, snapshots)
    _queue(session, tracked, outcome)
    await _store_content(session, rows, snapshots)
    await session.commit()
    return outcome


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
    rows: dict[date, DailySnapshot], days: Iterable[date], at: datetime
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
    tracked = await _locked(session, connection_id)
    if tracked is None:
        return None
    rows = await _stored_days(session, connection_id)
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
    outcome = recompute(rows, incoming)
    _queue(session, tracked, outcome)
    await session.commit()
    log.info(
        "history imported",
        connection_id=str(connection_id),
        imported=len(stored),
        skipped_platform_days=len(skipped),
        revision=outcome.revision,
    )
    return Imported(imported=stored, skipped_platform_days=skipped, outcome=outcome)


def _queue(session: AsyncSession, tracked: TrackedConnection, outcome: Recomputed) -> None:
    """A new revision and a ``MetricsUpdated`` per changed day, in the session's transaction."""
    connection_id = tracked.connection_id
    if outcome.changed:
        tracked.revision += 1
        session.add(tracked)
        session.add_all(outcome.changed)
        for row in outcome.changed:
            enqueue(
                session,
                topics.METRICS_UPDATED,
                metrics_event(row, tracked.platform, tracked.revision),
                key=str(connection_id),
            )
    outcome.revision = tracked.revision
    for chain in outcome.dropped:
        log.warning(
            "follower history dropped: the platform's changes go below zero",
            connection_id=str(connection_id),
            platform=tracked.platform,
            anchor=chain.anchor.isoformat(),
            anchor_count=chain.anchor_count,
            first=chain.first.isoformat(),
            last=chain.last.isoformat(),
            lowest=chain.lowest,
        )


def content_winners(
    rows: dict[date, DailySnapshot], incoming: Iterable[AccountSnapshot]
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


async def _store_content(
    session: AsyncSession, rows: dict[date, DailySnapshot], incoming: Sequence[AccountSnapshot]
) -> None:
    """Replace the content items of each day a live snapshot of the batch won."""
    connection = await session.connection()
    for snapshot in content_winners(rows, incoming):
        await connection.execute(
            delete(ContentItemDay).where(
                col(ContentItemDay.connection_id) == snapshot.connection_id,
                col(ContentItemDay.seen_on) == snapshot.snapshot_date,
            )
        )
        items = {item.item_id: item for item in snapshot.recent_items}  # one row per item
        session.add_all(
            ContentItemDay(
                connection_id=snapshot.connection_id,
                item_id=item.item_id,
                seen_on=snapshot.snapshot_date,
                client_id=snapshot.client_id,
                platform=snapshot.platform.value,
                kind=item.kind,
                published_at=item.published_at,
                url=item.url,
                caption=item.caption,
                views=item.views,
                reach=item.reach,
                likes=item.likes,
                comments=item.comments,
                shares=item.shares,
                saves=item.saves,
                engagement_rate=item.engagement_rate,
                fetched_at=snapshot.fetched_at,
            )
            for item in items.values()
        )


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
