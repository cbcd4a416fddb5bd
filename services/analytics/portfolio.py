"""The portfolio and the leaderboard over every client: narrow bulk queries, the domain's figures.

No query is per client and no ORM object is made: each figure reads only the columns and days it
needs — one row per account for its latest count and last live day (indexed backward lookups),
the counts of the few days the growth windows end on, the last weeks' engagement rates — and
hands them to ``domain/portfolio.py``. Only the milestone correlation needs whole series (the
placebo days are chosen over a client's whole history): the daily totals of the clients with a
completed deliverable, added up in SQL.

Two caches, both by exact inputs (:class:`PortfolioCache`). Whole answers by their inputs'
:class:`Version`: every account's ``revision`` (bumped whenever its stored history changes) and
status, the completed deliverables, the clients' names, today, and the parameters; reading it
costs three narrow queries, and an unchanged portfolio is answered from memory and says when it
was computed. And each client's share of the correlation (``correlation.client_lifts``) by that
client's own inputs, so after a change only the changed clients' series are read and their lifts
recomputed; adding up the kept parts is cheap. ``refresh`` keeps the default portfolio warm in
the background.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain import portfolio as plain
from services.analytics.domain.correlation import (
    DEFAULT_DAYS,
    ClientHistory,
    ClientLifts,
    Correlation,
    client_lifts,
    correlation_of,
)
from services.analytics.domain.program import Deliverable
from services.analytics.domain.signals import DEFAULT_CONFIG, DailyRates, SignalConfig
from services.analytics.models import Client, DailySnapshot, TrackedConnection
from services.analytics.models import Deliverable as StoredDeliverable
from shared import clock
from shared.db.types import as_utc


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


_connections = _table(TrackedConnection).alias("c")
_days = _table(DailySnapshot).alias("d")
_clients = _table(Client)
_deliverables = _table(StoredDeliverable)

CHUNK = 500
"""Client ids per ``IN (…)`` of the correlation's query."""


@dataclass(frozen=True)
class Version:
    """What every figure is computed from, short of the daily rows themselves."""

    connections: tuple[tuple[uuid.UUID, str, str, str, int, datetime], ...]
    """(connection, client, platform, status, revision, connected_at) of every account."""
    completions: tuple[tuple[str, str, str, date, date], ...]
    """(client, code, title, due_on, completed_on) of every completed, live deliverable."""
    names: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PortfolioFigures:
    today: date
    computed_at: datetime
    platform: str | None
    clients: int
    followers: plain.Followers
    platforms: tuple[plain.PlatformShare, ...]
    growth_30d: plain.AverageGrowth
    growth_90d: plain.AverageGrowth
    standings: tuple[plain.Standing, ...]
    """By the 30-day growth."""
    attention: tuple[tuple[str, tuple[plain.Attention, ...]], ...]
    """Clients with a reason, by client id."""
    correlation: Correlation
    names: dict[str, str]


@dataclass(frozen=True)
class LeaderboardFigures:
    today: date
    computed_at: datetime
    platform: str | None
    days: int
    standings: tuple[plain.Standing, ...]
    names: dict[str, str]


class AnswerCache:
    """The last few answers by key; the key carries the inputs' :class:`Version`."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable) -> object | None:
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, answer: object) -> None:
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)


AccountsKey = tuple[tuple[uuid.UUID, str, str, int, datetime], ...]
"""(connection, platform, status, revision, connected_at) of a client's accounts counted."""
ClientKey = tuple[AccountsKey, tuple[tuple[str, str, date, date], ...]]
"""A client's own correlation inputs: its accounts, and (code, title, due_on, completed_on) of
its completed deliverables."""


@dataclass(frozen=True)
class ClientFigures:
    """What the portfolio needs of one client, from its own accounts' rows only."""

    accounts: tuple[plain.Account, ...]
    growth_30d: plain.Growth
    growth_90d: plain.Growth
    attention: tuple[plain.Attention, ...]


@dataclass
class Combination:
    """The kept per-client figures and correlation parts of one (today, platform, days,
    config), and the lock that makes one request compute them while the others wait."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    figures: dict[str, tuple[AccountsKey, ClientFigures]] = field(default_factory=dict)
    parts: dict[str, tuple[ClientKey, ClientLifts]] = field(default_factory=dict)


class PortfolioCache:
    """Answers by :class:`Version` and, per combination, each client's figures and part.

    Memory is bounded: ``answers`` whole answers (LRU); ``combinations`` (platform, days,
    config) of today (LRU; another day's are dropped), each holding per client of its portfolio
    a few accounts, two growths, its attention reasons and, with a completed deliverable, a few
    lifts and at most the placebo days of its correlation part.
    """

    def __init__(self, answers: int = 32, combinations: int = 8) -> None:
        self.answers = AnswerCache(answers)
        self._size = combinations
        self._combinations: OrderedDict[tuple[date, str | None, int, SignalConfig], Combination] = (
            OrderedDict()
        )

    def combination(
        self, today: date, platform: str | None, days: int, config: SignalConfig = DEFAULT_CONFIG
    ) -> Combination:
        for key in [k for k in self._combinations if k[0] != today]:
            del self._combinations[key]
        key = (today, platform, days, config)
        found = self._combinations.get(key)
        if found is None:
            found = self._combinations[key] = Combination()
        self._combinations.move_to_end(key)
        while len(self._combinations) > self._size:
            self._combinations.popitem(last=False)
        return found


async def read_version(db: AsyncConnection) -> Version:
    c, dl, cl = _connections, _deliverables, _clients
    connections = await db.execute(
        select(c.c.connection_id, c.c.client_id, c.c.platform, c.c.status, c.c.revision)
        .add_columns(c.c.connected_at)
        .where(c.c.status != "disconnected")
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


def _on_platform(version: Version, platform: str | None) -> list[tuple[uuid.UUID, str]]:
    """(connection, client) of the accounts the answer counts."""
    return [(row[0], row[1]) for row in version.connections if platform in (None, row[2])]


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
    ).where(c.c.status != "disconnected")
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
    query = query.where(c.c.status != "disconnected")
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


def _by_client(accounts: Sequence[plain.Account]) -> dict[str, list[plain.Account]]:
    out: dict[str, list[plain.Account]] = defaultdict(list)
    for account in accounts:
        out[account.client_id].append(account)
    return dict(out)


GROWTH_WINDOWS = (7, 30, 90)
"""The days before today whose counts are read (7: the leaderboard's; 30 and 90 shown)."""


async def client_figures(
    db: AsyncConnection,
    combination: Combination,
    keys: dict[str, AccountsKey],
    *,
    today: date,
    platform: str | None,
    config: SignalConfig,
) -> dict[str, ClientFigures]:
    """Each client's figures, from the combination's kept ones: only the accounts of the
    clients whose key changed (or that are new) are read, with their latest counts, the counts
    of the growth windows' days and the last weeks' rates. The caller holds the lock."""
    kept = combination.figures
    stale = [c for c, key in keys.items() if c not in kept or kept[c][0] != key]
    if stale:
        ids = None if len(stale) == len(keys) else [a[0] for c in stale for a in keys[c]]
        accounts = _by_client(await load_accounts(db, today, platform, ids))
        counts = await load_counts_on(
            db,
            [a.connection_id for c in stale for a in accounts.get(c, [])],
            [today - timedelta(days=n) for n in (0, *GROWTH_WINDOWS)],
        )
        first_rate_day = today - timedelta(days=config.stale_days + config.engagement_days)
        rates = await load_rates(db, first_rate_day, today, platform, ids)
        fresh = await asyncio.to_thread(
            _figures, [accounts.get(c, []) for c in stale], counts, rates, today, config
        )
        for c, figures in zip(stale, fresh, strict=True):
            kept[c] = (keys[c], figures)
    for gone in [c for c in kept if c not in keys]:
        del kept[gone]
    return {c: kept[c][1] for c in keys}


def _figures(
    clients: Sequence[Sequence[plain.Account]],
    counts: dict[uuid.UUID, dict[date, int | None]],
    rates: dict[uuid.UUID, DailyRates],
    today: date,
    config: SignalConfig,
) -> list[ClientFigures]:
    out = []
    for accounts in clients:
        own = {a.connection_id: counts.get(a.connection_id, {}) for a in accounts}
        growth_30d = plain.client_growth(own, today, 30)
        attention = plain.client_attention(accounts, rates, growth_30d, today, config)
        out.append(
            ClientFigures(
                tuple(accounts), growth_30d, plain.client_growth(own, today, 90), attention
            )
        )
    return out


def client_keys(version: Version, platform: str | None) -> dict[str, ClientKey]:
    """The correlation's clients (an account counted, a completed deliverable), by client id,
    each with its own inputs."""
    accounts = accounts_keys(version, platform)
    completed: dict[str, list[tuple[str, str, date, date]]] = defaultdict(list)
    for client_id, code, title, due_on, completed_on in version.completions:
        if client_id in accounts:
            completed[client_id].append((code, title, due_on, completed_on))
    return {c: (accounts[c], tuple(completed[c])) for c in sorted(completed)}


def accounts_keys(version: Version, platform: str | None) -> dict[str, AccountsKey]:
    """The portfolio's clients (an account counted), by client id, each with its accounts."""
    accounts: dict[str, list[tuple[uuid.UUID, str, str, int, datetime]]] = defaultdict(list)
    for connection_id, client_id, on, status, revision, connected_at in version.connections:
        if platform in (None, on):
            accounts[client_id].append((connection_id, on, status, revision, connected_at))
    return {c: tuple(sorted(accounts[c])) for c in sorted(accounts)}


def _lifts(histories: Sequence[ClientHistory], today: date, days: int) -> list[ClientLifts]:
    return [client_lifts(history, today=today, days=days) for history in histories]


async def correlation(
    db: AsyncConnection,
    combination: Combination,
    keys: dict[str, ClientKey],
    *,
    today: date,
    platform: str | None,
    days: int,
) -> Correlation:
    """The milestone correlation over the clients of ``keys``, from the combination's kept parts.

    Only the clients whose key changed (or that are new) have their series read, in one query
    for all of them, and their lifts recomputed — in a thread, so that a whole portfolio's
    recomputation does not hold up the other requests. The caller holds the combination's
    lock; the parts are replaced only once computed, so a failure leaves the kept ones intact.
    Deliverables enter with their completion day only (the due day plays no part in it).
    """
    kept = combination.parts
    stale = [c for c, key in keys.items() if c not in kept or kept[c][0] != key]
    if stale:
        totals = await load_totals(db, {c: len(keys[c][0]) for c in stale}, today, platform)
        histories = [
            ClientHistory(c, totals.get(c, {}), tuple(Deliverable(*d) for d in keys[c][1]))
            for c in stale
        ]
        fresh = await asyncio.to_thread(_lifts, histories, today, days)
        for c, part in zip(stale, fresh, strict=True):
            kept[c] = (keys[c], part)
    for gone in [c for c in kept if c not in keys]:
        del kept[gone]
    return correlation_of((kept[c][1] for c in keys), today=today, days=days)


async def portfolio(
    session: AsyncSession,
    cache: PortfolioCache,
    *,
    platform: str | None,
    days: int,
    config: SignalConfig = DEFAULT_CONFIG,
) -> PortfolioFigures:
    """The portfolio's figures (see ``docs/analytics-methods.md``), from the cache if unchanged.

    ``days`` is the milestone correlation's window ``N``. Requests of one combination compute
    one at a time: one that waited finds the answer of the one before it when nothing changed
    in between.
    """
    today = clock.today()
    db = await session.connection()
    version = await read_version(db)
    key = ("portfolio", today, platform, days, config, version)
    cached = cache.answers.get(key)
    if isinstance(cached, PortfolioFigures):
        return cached
    combination = cache.combination(today, platform, days, config)
    async with combination.lock:
        cached = cache.answers.get(key)
        if isinstance(cached, PortfolioFigures):
            return cached
        figures = await _portfolio(
            db, version, combination, today=today, platform=platform, days=days, config=config
        )
        cache.answers.put(key, figures)
        return figures


async def _portfolio(
    db: AsyncConnection,
    version: Version,
    combination: Combination,
    *,
    today: date,
    platform: str | None,
    days: int,
    config: SignalConfig,
) -> PortfolioFigures:
    clients = await client_figures(
        db,
        combination,
        accounts_keys(version, platform),
        today=today,
        platform=platform,
        config=config,
    )
    accounts = [a for figures in clients.values() for a in figures.accounts]
    table = await correlation(
        db,
        combination,
        client_keys(version, platform),
        today=today,
        platform=platform,
        days=days,
    )
    return PortfolioFigures(
        today=today,
        computed_at=clock.now(),
        platform=platform,
        clients=len(clients),
        followers=plain.total_followers(accounts),
        platforms=plain.platform_shares(accounts),
        growth_30d=plain.average_growth(30, (f.growth_30d for f in clients.values())),
        growth_90d=plain.average_growth(90, (f.growth_90d for f in clients.values())),
        standings=plain.standings({c: f.growth_30d for c, f in clients.items()}),
        attention=tuple((c, f.attention) for c, f in clients.items() if f.attention),
        correlation=table,
        names=dict(version.names),
    )


async def refresh(
    sessions: async_sessionmaker[AsyncSession], cache: PortfolioCache
) -> PortfolioFigures:
    """The default portfolio (every platform, the default window), recomputed if it changed.

    Run in the background (``portfolio_refresh_seconds``) so that a request after a change
    usually finds the changed clients' parts, or the whole answer, ready.
    """
    async with sessions() as session:
        return await portfolio(session, cache, platform=None, days=DEFAULT_DAYS)


async def leaderboard(
    session: AsyncSession, cache: PortfolioCache, *, platform: str | None, days: int
) -> LeaderboardFigures:
    """Every client of the portfolio by its growth over the last ``days`` days."""
    today = clock.today()
    db = await session.connection()
    version = await read_version(db)
    key = ("leaderboard", today, platform, days, version)
    cached = cache.answers.get(key)
    if isinstance(cached, LeaderboardFigures):
        return cached
    clients: dict[str, list[uuid.UUID]] = defaultdict(list)
    for connection_id, client_id in _on_platform(version, platform):
        clients[client_id].append(connection_id)
    counts = await load_counts_on(
        db, [c for ids in clients.values() for c in ids], [today - timedelta(days=days), today]
    )
    growths = {
        client_id: plain.client_growth({c: counts.get(c, {}) for c in ids}, today, days)
        for client_id, ids in clients.items()
    }
    figures = LeaderboardFigures(
        today=today,
        computed_at=clock.now(),
        platform=platform,
        days=days,
        standings=plain.standings(growths),
        names=dict(version.names),
    )
    cache.answers.put(key, figures)
    return figures
