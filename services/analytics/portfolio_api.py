"""Admin routes over every client: the portfolio at a glance and the growth leaderboard.

The figures and their methods are in ``portfolio.py`` and ``docs/analytics-methods.md``; this
module only reads the parameters and shapes the answers.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import portfolio as figures
from services.analytics.domain import portfolio as plain
from services.analytics.domain.correlation import DEFAULT_DAYS, Correlation, Statistic
from services.analytics.schemas import (
    AttentionReason,
    AverageGrowthPublic,
    ClientAttention,
    CorrelationRow,
    CorrelationTable,
    DifferencePublic,
    Leaderboard,
    LeaderboardEntry,
    PlatformSharePublic,
    Portfolio,
    PortfolioFollowers,
    StandingGrowth,
    StatisticPublic,
)
from shared.dependencies import AdminDep, SessionDep
from shared.periodic import Periodic
from shared.platforms import Platform

MAX_CORRELATION_DAYS = 90
"""Largest window N of the milestone correlation: a quarter before and after."""
TOP = 10
"""Clients of the leaderboard the portfolio shows."""

router = APIRouter(prefix="/api/admin/social", tags=["admin"])

PlatformFilter = Annotated[
    Platform | None, Query(description="Count only this platform's accounts.")
]


def _cache(request: Request) -> figures.PortfolioCache:
    """The app's answers and correlation parts (``create_app`` shares them with the refresher;
    made on first use otherwise)."""
    state = request.app.state
    cache: figures.PortfolioCache | None = getattr(state, "portfolio_cache", None)
    if cache is None:
        cache = state.portfolio_cache = figures.PortfolioCache()
    return cache


def refresher(
    sessions: async_sessionmaker[AsyncSession], cache: figures.PortfolioCache, seconds: float
) -> Periodic:
    """Keeps the default portfolio warm: every ``seconds``, and once at start."""

    async def job() -> None:
        await figures.refresh(sessions, cache)

    return Periodic("analytics-portfolio-refresh", seconds, job)


def _entry(standing: plain.Standing, names: dict[str, str]) -> LeaderboardEntry:
    g = standing.growth
    return LeaderboardEntry(
        position=standing.position,
        rank=standing.rank,
        client_id=standing.client_id,
        name=names.get(standing.client_id),
        growth=StandingGrowth(
            start=g.start,
            end=g.end,
            start_count=g.start_count,
            end_count=g.end_count,
            change=g.change,
            percent=g.percent,
        ),
    )


def _share(share: plain.PlatformShare) -> PlatformSharePublic:
    return PlatformSharePublic(
        platform=share.platform,
        followers=share.followers,
        accounts=share.accounts,
        share_percent=share.share,
    )


def _average(average: plain.AverageGrowth) -> AverageGrowthPublic:
    return AverageGrowthPublic(
        days=average.days, mean_percent=average.mean_percent, n=average.n, clients=average.clients
    )


def _statistic(statistic: Statistic) -> StatisticPublic:
    return StatisticPublic(n=statistic.n, mean=statistic.mean, ci=statistic.ci_to_show)


def _correlation(correlation: Correlation) -> CorrelationTable:
    """One row per code completed by any client (``milestone_correlation``'s own order)."""
    excluded = Counter((e.code, e.reason.value) for e in correlation.exclusions)
    rows = []
    for result in correlation.deliverables:
        difference = result.difference
        rows.append(
            CorrelationRow(
                code=result.code,
                lift=_statistic(result.lift),
                placebo=_statistic(result.placebo),
                placebo_days=result.placebo_days,
                difference=None
                if difference is None
                else DifferencePublic(estimate=difference.estimate, ci=difference.ci),
                clients_without_placebo=len(result.clients_without_placebo),
                excluded={r: n for (c, r), n in sorted(excluded.items()) if c == result.code},
            )
        )
    return CorrelationTable(days=correlation.days, rows=rows)


@router.get("/portfolio", response_model=Portfolio)
async def get_portfolio(
    _: AdminDep,
    request: Request,
    session: SessionDep,
    platform: PlatformFilter = None,
    days: Annotated[
        int,
        Query(ge=1, le=MAX_CORRELATION_DAYS, description="The correlation's window N, in days."),
    ] = DEFAULT_DAYS,
) -> Portfolio:
    """Total followers, average growth, platform shares, the top 10, who needs attention and
    the milestone correlation — of every client, or of one platform's accounts."""
    f = await figures.portfolio(
        session, _cache(request), platform=platform.value if platform else None, days=days
    )
    return Portfolio(
        as_of=f.today,
        computed_at=f.computed_at,
        platform=f.platform,
        clients=f.clients,
        followers=PortfolioFollowers(
            total=f.followers.total,
            accounts=f.followers.accounts,
            accounts_without_count=f.followers.accounts_without_count,
        ),
        top_platform=_share(f.platforms[0]) if f.platforms else None,
        platforms=[_share(s) for s in f.platforms],
        growth_30d=_average(f.growth_30d),
        growth_90d=_average(f.growth_90d),
        leaderboard=[_entry(s, f.names) for s in f.standings[:TOP]],
        attention=[
            ClientAttention(
                client_id=client_id,
                name=f.names.get(client_id),
                reasons=[
                    AttentionReason(
                        kind=r.kind.value,
                        connection_id=r.connection_id,
                        platform=r.platform,
                        numbers=r.numbers,
                    )
                    for r in reasons
                ],
            )
            for client_id, reasons in f.attention
        ],
        milestone_correlation=_correlation(f.correlation),
    )


@router.get("/leaderboard", response_model=Leaderboard)
async def get_leaderboard(
    _: AdminDep,
    request: Request,
    session: SessionDep,
    window: Annotated[
        Literal["7d", "30d", "90d"], Query(description="Growth over the last 7, 30 or 90 days.")
    ] = "30d",
    platform: PlatformFilter = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Leaderboard:
    """Clients by growth percent over ``window`` (ties: larger change, then client id); clients
    whose growth is unknown come last, unranked."""
    f = await figures.leaderboard(
        session,
        _cache(request),
        platform=platform.value if platform else None,
        days=plain.WINDOWS[window],
    )
    ranked = sum(1 for s in f.standings if s.rank is not None)
    return Leaderboard(
        as_of=f.today,
        computed_at=f.computed_at,
        platform=f.platform,
        window=window,
        total=len(f.standings),
        ranked=ranked,
        unranked=len(f.standings) - ranked,
        limit=limit,
        offset=offset,
        entries=[_entry(s, f.names) for s in f.standings[offset : offset + limit]],
    )
