"""The ingestor's admin routes: what was synced, when, and how it went."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.ingestor.context import IngestorContext
from services.ingestor.models import RawResponse, SyncRun
from shared.auth import AdminDep
from shared.date_params import BoundedDate
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
    attempt: int
    not_before: datetime | None
    error_class: str | None
    error: str | None
    api_calls: int
    snapshots: int
    started_at: datetime
    finished_at: datetime | None


class RawAnswer(BaseModel):
    method: str
    url: str
    status: int
    body: str


class RawSync(BaseModel):
    sync_id: uuid.UUID
    fetched_at: datetime
    answers: list[RawAnswer]


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
            **run.model_dump(exclude={"started_at", "finished_at", "not_before"}),
            started_at=as_utc(run.started_at) or run.started_at,
            finished_at=as_utc(run.finished_at),
            not_before=as_utc(run.not_before),
        )
        for run in runs
    ]


@admin.get("/syncs/raw", response_model=list[RawSync])
async def raw_answers(
    _admin: AdminDep, session: SessionDep, connection_id: uuid.UUID, day: BoundedDate
) -> list[RawSync]:
    """The platform's raw answers for one connection and day (kept 30 days; tokens redacted)."""
    rows = (
        await session.exec(
            select(RawResponse)
            .where(RawResponse.connection_id == connection_id, RawResponse.day == day)
            .order_by(col(RawResponse.fetched_at))
        )
    ).all()
    return [
        RawSync(
            sync_id=row.sync_id,
            fetched_at=as_utc(row.fetched_at) or row.fetched_at,
            answers=[RawAnswer(**answer) for answer in json.loads(zlib.decompress(row.body))],
        )
        for row in rows
    ]
