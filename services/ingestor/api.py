"""The ingestor's admin routes: what was synced, when, and how it went."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.ingestor.context import IngestorContext
from services.ingestor.models import SyncRun
from shared.auth import AdminDep
from shared.db.types import as_utc


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    context: IngestorContext = request.app.state.ingestor
    async with context.runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class SyncRunPublic(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    platform: str
    reason: str
    status: str
    error_class: str | None
    error: str | None
    snapshots: int
    started_at: datetime
    finished_at: datetime | None


admin = APIRouter(prefix="/api/admin/social", tags=["admin"])


@admin.get("/syncs", response_model=list[SyncRunPublic])
async def list_syncs(
    _admin: AdminDep,
    session: SessionDep,
    connection_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[SyncRunPublic]:
    query = select(SyncRun).order_by(col(SyncRun.started_at).desc()).limit(limit)
    if connection_id is not None:
        query = query.where(SyncRun.connection_id == connection_id)
    runs = (await session.exec(query)).all()
    return [
        SyncRunPublic(
            **run.model_dump(exclude={"started_at", "finished_at"}),
            started_at=as_utc(run.started_at) or run.started_at,
            finished_at=as_utc(run.finished_at),
        )
        for run in runs
    ]
