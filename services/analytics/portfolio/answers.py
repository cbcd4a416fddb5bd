"""The answers: the portfolio and the leaderboard, from the cache when their inputs are
unchanged, else computed from the clients' parts; and the background refresh."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain import portfolio as plain
from services.analytics.domain.correlation import (
    DEFAULT_DAYS,
    Correlation,
)
from services.analytics.domain.signals import DEFAULT_CONFIG, SignalConfig
from services.analytics.portfolio.cache import Combination, PortfolioCache, Version
from services.analytics.portfolio.parts import (
    accounts_keys,
    client_figures,
    client_keys,
    correlation,
    on_platform,
)
from services.analytics.portfolio.queries import load_counts_on, read_version
from shared import clock


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
    for connection_id, client_id in on_platform(version, platform):
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
