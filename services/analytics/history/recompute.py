"""Deriving a connection's history again: counts, changes and growth, and what changed.

Plain data in, plain data out (no database): :func:`recompute` derives only the days the new
facts can reach, :func:`recompute_all` every stored day — the reference it is tested against.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.analytics.domain.followers import (
    ONE_DAY,
    DayFacts,
    DroppedChain,
    Source,
    follower_counts,
)
from services.analytics.domain.growth import WINDOWS, Growth, derive, growth_on
from services.analytics.history.merge import ImportedDay, merge
from services.analytics.history_store import Day, StoredDay
from services.analytics.models import DailySnapshot
from shared.events import AccountSnapshot, MetricsUpdated
from shared.platforms import Platform


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


def metrics_event(row: Day, platform: Platform, revision: int) -> MetricsUpdated:
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
