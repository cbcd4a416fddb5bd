"""Each client's share of an answer: its figures and its correlation part, recomputed only
for the clients whose inputs changed (the kept ones are the combination's)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from services.analytics.domain import portfolio as plain
from services.analytics.domain.correlation import (
    ClientHistory,
    ClientLifts,
    Correlation,
    client_lifts,
    correlation_of,
)
from services.analytics.domain.program import Deliverable
from services.analytics.domain.signals import DailyRates, SignalConfig
from services.analytics.portfolio import queries
from services.analytics.portfolio.cache import (
    AccountsKey,
    ClientFigures,
    ClientKey,
    Combination,
    Version,
)


def on_platform(version: Version, platform: str | None) -> list[tuple[uuid.UUID, str]]:
    """(connection, client) of the accounts the answer counts."""
    return [(row[0], row[1]) for row in version.connections if platform in (None, row[2])]


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
        accounts = _by_client(await queries.load_accounts(db, today, platform, ids))
        counts = await queries.load_counts_on(
            db,
            [a.connection_id for c in stale for a in accounts.get(c, [])],
            [today - timedelta(days=n) for n in (0, *GROWTH_WINDOWS)],
        )
        first_rate_day = today - timedelta(days=config.stale_days + config.engagement_days)
        rates = await queries.load_rates(db, first_rate_day, today, platform, ids)
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
        totals = await queries.load_totals(db, {c: len(keys[c][0]) for c in stale}, today, platform)
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
