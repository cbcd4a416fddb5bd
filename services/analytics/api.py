"""Analytics' HTTP routes: a client's overview and history; the same for admins, any client."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history
from services.analytics.context import AnalyticsContext
from services.analytics.models import TrackedConnection
from services.analytics.schemas import (
    AccountOverview,
    DailyMetric,
    MetricsHistory,
    Overview,
    Totals,
)
from shared import clock
from shared.auth import AdminDep, ClientDep
from shared.date_params import BoundedDate


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    context: AnalyticsContext = request.app.state.analytics
    async with context.runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
MAX_HISTORY_DAYS = 3 * 366

portal = APIRouter(prefix="/api/portal/social", tags=["portal"])
admin = APIRouter(prefix="/api/admin/social", tags=["admin"])


async def _overview(session: AsyncSession, client_id: str) -> Overview:
    today = clock.today()
    accounts = []
    for tracked in await history.tracked_for_client(session, client_id):
        if tracked.status == "disconnected":
            continue
        latest = await history.latest_row(session, tracked.connection_id)
        accounts.append(
            AccountOverview(
                connection_id=tracked.connection_id,
                platform=tracked.platform,
                username=latest.username if latest else tracked.username,
                status=tracked.status,
                last_snapshot_date=latest.snapshot_date if latest else None,
                followers=latest.followers if latest else None,
                follower_source=latest.follower_source if latest else None,
                followers_change_1d=latest.followers_change_1d if latest else None,
                followers_change_7d=latest.followers_change_7d if latest else None,
                followers_change_30d=latest.followers_change_30d if latest else None,
                growth_pct_7d=latest.growth_pct_7d if latest else None,
                growth_pct_30d=latest.growth_pct_30d if latest else None,
                engagement_rate=latest.engagement_rate if latest else None,
                engagement_formula=latest.engagement_formula if latest else None,
                posts=latest.posts if latest else None,
                missing_metrics=list(latest.missing_metrics) if latest else [],
            )
        )
    changes = [a.followers_change_7d for a in accounts]
    return Overview(
        client_id=client_id,
        as_of=today,
        totals=Totals(
            accounts=len(accounts),
            followers=sum(a.followers or 0 for a in accounts),
            followers_change_7d=sum(c for c in changes if c is not None)
            if accounts and all(c is not None for c in changes)
            else None,
        ),
        accounts=accounts,
    )


async def _history(
    session: AsyncSession, tracked: TrackedConnection, start: date | None, end: date | None
) -> MetricsHistory:
    end = end or clock.today()
    start = start or end - timedelta(days=90)
    if start > end:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="'from' is after 'to'")
    if (end - start).days > MAX_HISTORY_DAYS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"at most {MAX_HISTORY_DAYS} days per request",
        )
    rows = await history.series(session, tracked.connection_id, start, end)
    return MetricsHistory(
        connection_id=tracked.connection_id,
        platform=tracked.platform,
        username=tracked.username,
        days=[
            DailyMetric(
                date=r.snapshot_date,
                followers=r.followers,
                follower_source=r.follower_source,
                new_followers=r.followers_gained,
                followers_lost=r.followers_lost,
                followers_change_1d=r.followers_change_1d,
                followers_change_7d=r.followers_change_7d,
                followers_change_30d=r.followers_change_30d,
                growth_pct_7d=r.growth_pct_7d,
                growth_pct_30d=r.growth_pct_30d,
                following=r.following,
                posts=r.posts,
                engagement_rate=r.engagement_rate,
                reach=r.reach,
                views=r.views,
                backfill=r.backfill,
            )
            for r in rows
        ],
    )


async def _tracked(
    session: AsyncSession, connection_id: uuid.UUID, client_id: str | None
) -> TrackedConnection:
    """The connection, if the caller may see it (404 either way, so ids do not leak)."""
    tracked = await session.get(TrackedConnection, connection_id)
    if tracked is None or (client_id is not None and tracked.client_id != client_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such connection")
    return tracked


FromQuery = Annotated[BoundedDate | None, Query(alias="from")]
ToQuery = Annotated[BoundedDate | None, Query(alias="to")]


@portal.get("/overview", response_model=Overview)
async def own_overview(principal: ClientDep, session: SessionDep) -> Overview:
    assert principal.client_id is not None
    return await _overview(session, principal.client_id)


@portal.get("/metrics/{connection_id}", response_model=MetricsHistory)
async def own_history(
    connection_id: uuid.UUID,
    principal: ClientDep,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> MetricsHistory:
    tracked = await _tracked(session, connection_id, principal.client_id)
    return await _history(session, tracked, start, end)


@admin.get("/clients/{client_id}/overview", response_model=Overview)
async def client_overview(client_id: str, _admin: AdminDep, session: SessionDep) -> Overview:
    return await _overview(session, client_id)


@admin.get("/clients/{client_id}/metrics/{connection_id}", response_model=MetricsHistory)
async def client_history(
    client_id: str,
    connection_id: uuid.UUID,
    _admin: AdminDep,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> MetricsHistory:
    tracked = await _tracked(session, connection_id, client_id)
    return await _history(session, tracked, start, end)
