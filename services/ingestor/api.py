"""The ingestor's admin routes: what was synced, when, and how it went."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.ingestor import runs
from services.ingestor.models import RawResponse, SyncRun
from services.ingestor.schemas import MAX_LISTED_SYNCS, RawAnswer, RawSync, SyncRunPublic
from shared.date_params import BoundedDate
from shared.db.types import as_utc
from shared.dependencies import AdminDep, SessionDep

admin = APIRouter(prefix="/api/admin/social", tags=["admin"])


def _run_public(run: SyncRun) -> SyncRunPublic:
    return SyncRunPublic(
        **run.model_dump(exclude={"started_at", "finished_at", "not_before"}),
        started_at=as_utc(run.started_at) or run.started_at,
        finished_at=as_utc(run.finished_at),
        not_before=as_utc(run.not_before),
    )


def _raw_public(row: RawResponse) -> RawSync:
    return RawSync(
        sync_id=row.sync_id,
        fetched_at=as_utc(row.fetched_at) or row.fetched_at,
        answers=[RawAnswer(**answer) for answer in runs.decode_raw(row.body)],
    )


@admin.get("/syncs", response_model=list[SyncRunPublic])
async def list_syncs(
    _admin: AdminDep,
    session: SessionDep,
    connection_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED_SYNCS)] = 50,
) -> list[SyncRunPublic]:
    found = await runs.recent(session, limit=limit, connection_id=connection_id)
    return [_run_public(run) for run in found]


@admin.get("/syncs/raw", response_model=list[RawSync])
async def raw_answers(
    _admin: AdminDep, session: SessionDep, connection_id: uuid.UUID, day: BoundedDate
) -> list[RawSync]:
    """The platform's raw answers for one connection and day (kept 30 days; tokens redacted)."""
    return [_raw_public(row) for row in await runs.raw_answers(session, connection_id, day)]
