"""Raising signals: the rules of ``domain.signals`` over analytics' own tables, each signal
stored once and published once (topic ``analytics.signals.v1``).

* **From the metrics.** A consumer of analytics' own ``analytics.metrics-updated.v1`` (group
  ``analytics.signals``) takes a batch, groups it by client, and for each client reads every
  connected account's whole stored history again (the events only say which days changed):
  ``followers`` of each day (the count at its start) and ``engagement_rate``. It evaluates each
  account's milestones, surge / decline / stall and low engagement for the days the events
  name, and the client's total milestones for all of them.
* **Which days.** Only days at most ``signal_lookback_days`` before today (default 7): a
  rebuilt year of history (a re-anchored YouTube channel, a re-fetch) changes a year of days,
  but raises nothing about last spring. An imported day (an admin's history import) raises no
  signal of its own: it restates a client's past. It still counts as history — its count is a
  baseline gain, a "reached before" of a milestone, the day before a live day. Days of the
  platform's own history (backfill) in the window count like live ones. Disconnected accounts
  are left out, of the totals too; a client with one account has no total milestones (they
  would repeat the account's).
* **Stale data**, about today, comes from a periodic check (every
  ``signal_stale_check_seconds``, and once at start) of every connection that is not
  disconnected: the last successful sync is its newest *live* day (not backfill, not imported).
* **Once.** Every signal is inserted into ``signals`` under (scope, key) with INSERT … ON
  CONFLICT DO NOTHING, and only the rows actually inserted go into the outbox — in the same
  transaction — as ``SignalRaised``, keyed by client id. Replaying the same snapshots or metrics
  publishes nothing new, and two replicas raising the same signal publish it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain.signals import (
    AccountSeries,
    Signal,
    SignalConfig,
    SignalKind,
    account_signals,
    stale_data,
    total_milestones,
)
from services.analytics.models import (
    ConnectionStatus,
    DailySnapshot,
    SignalRecord,
    TrackedConnection,
)
from services.analytics.settings import AnalyticsSettings
from shared import clock
from shared.db.types import as_utc
from shared.events import MetricsUpdated, SignalRaised
from shared.events.signals import signal_event_id, signal_scope
from shared.logging import get_logger
from shared.messaging import topics
from shared.outbox import enqueue

log = get_logger(__name__)

DISCONNECTED = ConnectionStatus.DISCONNECTED
#: A total of one account is that account, whose own milestones are already raised.
MIN_TOTAL_ACCOUNTS = 2
#: Rows per INSERT: 11 columns each stays far below the drivers' bound-parameter limits.
INSERT_CHUNK = 1000


@dataclass(frozen=True)
class SignalRules:
    """The rules' thresholds, from the settings: per platform, and for a client's total."""

    default: SignalConfig
    platforms: Mapping[str, SignalConfig]
    total: SignalConfig
    lookback_days: int

    @classmethod
    def from_settings(cls, settings: AnalyticsSettings) -> SignalRules:
        stale = settings.signal_stale_days

        def config(milestones: tuple[int, ...]) -> SignalConfig:
            return SignalConfig(milestones=milestones, stale_days=stale)

        return cls(
            default=config(settings.signal_milestones),
            platforms={
                platform.value: config(milestones)
                for platform, milestones in settings.signal_platform_milestones.items()
            },
            total=config(settings.signal_total_milestones),
            lookback_days=settings.signal_lookback_days,
        )

    def for_platform(self, platform: str) -> SignalConfig:
        return self.platforms.get(platform, self.default)

    def in_window(self, day: date, today: date) -> bool:
        """Is ``day`` recent enough to raise signals about (and not in the future)?"""
        return today - timedelta(days=self.lookback_days) <= day <= today


@dataclass(frozen=True)
class Account:
    """One connected account and what its signals are computed from."""

    connection_id: uuid.UUID
    client_id: str
    platform: str
    username: str
    series: AccountSeries
    imported: frozenset[date] = frozenset()
    """The stored days an admin's history import made: they raise nothing about themselves."""


@dataclass(frozen=True)
class Raised:
    """A signal and whose it is: an account's, or (``account`` None) the client's total."""

    client_id: str
    account: Account | None
    signal: Signal

    @property
    def scope(self) -> str:
        connection_id = self.account.connection_id if self.account else None
        return signal_scope(self.client_id, connection_id)


# --- the plain rules ------------------------------------------------------------------------


def days_to_evaluate(
    events: Iterable[MetricsUpdated], rules: SignalRules, today: date
) -> dict[uuid.UUID, set[date]]:
    """Per connection, the days its events are about that are in the look-back window."""
    days: dict[uuid.UUID, set[date]] = {}
    for event in events:
        if rules.in_window(event.metrics_date, today):
            days.setdefault(event.connection_id, set()).add(event.metrics_date)
    return days


def client_signals(
    client_id: str,
    accounts: Sequence[Account],
    days: Mapping[uuid.UUID, set[date]],
    rules: SignalRules,
) -> list[Raised]:
    """Each account's signals about its ``days`` that are not imported (stale data aside: the
    periodic check's, about today), and — with two accounts or more — the total milestones of
    all ``accounts`` about any of those days."""
    out: list[Raised] = []
    live = {a.connection_id: days.get(a.connection_id, set()) - a.imported for a in accounts}
    for account in accounts:
        config = rules.for_platform(account.platform)
        for day in sorted(live[account.connection_id]):
            out.extend(
                Raised(client_id, account, signal)
                for signal in account_signals(account.series, day, config)
                if signal.kind is not SignalKind.STALE_DATA
            )
    if len(accounts) < MIN_TOTAL_ACCOUNTS:
        return out
    counts = {str(a.connection_id): a.series.counts for a in accounts}
    every_day = sorted(set().union(*live.values()))
    for day in every_day:
        out.extend(
            Raised(client_id, None, signal) for signal in total_milestones(counts, day, rules.total)
        )
    return out


def stale_signals(accounts: Iterable[Account], rules: SignalRules, today: date) -> list[Raised]:
    """Stale data of each account on ``today``."""
    out = []
    for account in accounts:
        series, config = account.series, rules.for_platform(account.platform)
        signal = stale_data(series.last_success, today, config, series.connected_on)
        if signal is not None:
            out.append(Raised(account.client_id, account, signal))
    return out


def signal_event(record: SignalRecord) -> SignalRaised:
    """The published form of a stored signal; the same record always gives the same event."""
    raised_at = as_utc(record.raised_at)
    assert raised_at is not None
    return SignalRaised.model_validate(
        {
            "event_id": signal_event_id(record.scope, record.key),
            "occurred_at": raised_at,
            "client_id": record.client_id,
            "connection_id": record.connection_id,
            "platform": record.platform,
            "username": record.username,
            "kind": record.kind,
            "day": record.day,
            "key": record.key,
            "numbers": record.numbers,
            "reason": record.reason,
            "raised_at": raised_at,
        }
    )


# --- reading the tables ---------------------------------------------------------------------


async def _accounts(
    session: AsyncSession, client_id: str | None, *, with_history: bool
) -> list[Account]:
    """The connected accounts (of ``client_id``, or everyone's), with their last live day and,
    ``with_history``, their whole series of counts and rates."""
    query = select(TrackedConnection).where(col(TrackedConnection.status) != DISCONNECTED)
    if client_id is not None:
        query = query.where(col(TrackedConnection.client_id) == client_id)
    tracked = list((await session.exec(query)).all())
    ids = [t.connection_id for t in tracked]
    if not ids:
        return []
    # One client's accounts by id; everyone's without a list of ids (no bound-parameter limit).
    theirs = col(DailySnapshot.connection_id).in_(ids) if client_id is not None else true()
    live = await session.exec(
        select(DailySnapshot.connection_id, func.max(DailySnapshot.snapshot_date))
        .where(
            theirs,
            col(DailySnapshot.backfill).is_(False),
            col(DailySnapshot.imported).is_(False),
        )
        .group_by(col(DailySnapshot.connection_id))
    )
    last_live: dict[uuid.UUID, date] = dict(live.all())
    counts: dict[uuid.UUID, dict[date, int | None]] = {cid: {} for cid in ids}
    rates: dict[uuid.UUID, dict[date, float | None]] = {cid: {} for cid in ids}
    imported: dict[uuid.UUID, set[date]] = {cid: set() for cid in ids}
    if with_history:
        rows = await session.exec(
            select(
                col(DailySnapshot.connection_id),
                col(DailySnapshot.snapshot_date),
                col(DailySnapshot.followers),
                col(DailySnapshot.engagement_rate),
            ).where(col(DailySnapshot.connection_id).in_(ids))
        )
        for cid, day, followers, rate in rows.all():
            counts[cid][day] = followers
            rates[cid][day] = rate
        imports = await session.exec(
            select(col(DailySnapshot.connection_id), col(DailySnapshot.snapshot_date)).where(
                col(DailySnapshot.connection_id).in_(ids), col(DailySnapshot.imported).is_(True)
            )
        )
        for cid, day in imports.all():
            imported[cid].add(day)
    accounts = []
    for t in tracked:
        connected_at = as_utc(t.connected_at)
        series = AccountSeries(
            counts=counts[t.connection_id],
            rates=rates[t.connection_id],
            last_success=last_live.get(t.connection_id),
            connected_on=connected_at.date() if connected_at is not None else None,
        )
        accounts.append(
            Account(
                t.connection_id,
                t.client_id,
                t.platform,
                t.username,
                series,
                frozenset(imported[t.connection_id]),
            )
        )
    return accounts


async def recent_signals(session: AsyncSession, client_id: str, limit: int) -> list[SignalRecord]:
    """A client's latest signals, newest day first."""
    rows = await session.exec(
        select(SignalRecord)
        .where(col(SignalRecord.client_id) == client_id)
        .order_by(
            col(SignalRecord.day).desc(),
            col(SignalRecord.raised_at).desc(),
            col(SignalRecord.scope),
            col(SignalRecord.key),
        )
        .limit(limit)
    )
    return list(rows.all())


# --- storing once, publishing once ----------------------------------------------------------


def _record(raised: Raised, at: datetime) -> SignalRecord:
    account, signal = raised.account, raised.signal
    return SignalRecord(
        scope=raised.scope,
        key=signal.key,
        client_id=raised.client_id,
        connection_id=account.connection_id if account else None,
        platform=account.platform if account else None,
        username=account.username if account else None,
        kind=signal.kind.value,
        day=signal.day,
        numbers=dict(signal.numbers),
        reason=signal.reason.value if signal.reason else None,
        raised_at=at,
    )


async def _insert_new(
    session: AsyncSession, records: Sequence[SignalRecord]
) -> set[tuple[str, str]]:
    """INSERT … ON CONFLICT (scope, key) DO NOTHING; the (scope, key) of the rows inserted."""
    table = SignalRecord.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    connection = await session.connection()  # the session's transaction
    inserted: set[tuple[str, str]] = set()
    for start in range(0, len(records), INSERT_CHUNK):
        values = [r.model_dump() for r in records[start : start + INSERT_CHUNK]]
        stmt = (
            insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(table.c.scope, table.c.key)
        )
        inserted.update((scope, key) for scope, key in (await connection.execute(stmt)).all())
    return inserted


async def store_and_enqueue(session: AsyncSession, raised: Sequence[Raised]) -> list[SignalRecord]:
    """Store the signals not stored before and queue their events, in the session's transaction
    (the caller commits); returns the new ones."""
    at = clock.now()
    unique = {(r.scope, r.signal.key): _record(r, at) for r in raised}
    if not unique:
        return []
    inserted = await _insert_new(session, list(unique.values()))
    new = [record for ident, record in unique.items() if ident in inserted]
    for record in new:
        enqueue(session, topics.SIGNALS, signal_event(record), key=record.client_id)
    return new


# --- the use cases --------------------------------------------------------------------------


async def raise_for_metrics(
    session: AsyncSession, client_id: str, events: Sequence[MetricsUpdated], rules: SignalRules
) -> list[SignalRecord]:
    """The signals one client's metrics events raise, stored and queued; commits."""
    days = days_to_evaluate(events, rules, clock.today())
    if not days:
        return []
    accounts = await _accounts(session, client_id, with_history=True)
    new = await store_and_enqueue(session, client_signals(client_id, accounts, days, rules))
    await session.commit()
    if new:
        log.info("signals raised", client_id=client_id, signals=[r.key for r in new])
    return new


async def check_stale(session: AsyncSession, rules: SignalRules) -> list[SignalRecord]:
    """Stale data of every connection that is not disconnected, today; commits."""
    accounts = await _accounts(session, None, with_history=False)
    new = await store_and_enqueue(session, stale_signals(accounts, rules, clock.today()))
    await session.commit()
    if new:
        log.info("stale data found", signals=len(new))
    return new


async def raise_per_client(
    sessions: async_sessionmaker[AsyncSession],
    events: Sequence[MetricsUpdated],
    rules: SignalRules,
) -> dict[str, Exception]:
    """:func:`raise_for_metrics` for each client of ``events``, a transaction each, so that one
    client's failure leaves the others' signals raised; the errors by client."""
    by_client: dict[str, list[MetricsUpdated]] = {}
    for event in events:
        by_client.setdefault(event.client_id, []).append(event)
    errors: dict[str, Exception] = {}
    for client_id, theirs in by_client.items():
        try:
            async with sessions() as session:
                await raise_for_metrics(session, client_id, theirs, rules)
        except Exception as error:  # answered per delivery: the consumer policy decides
            errors[client_id] = error
    return errors
