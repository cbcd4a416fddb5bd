"""Sync-run bookkeeping, a batch of sync requests at a time: one read and one write per batch.

Per-sync ORM round trips (get, merge and commit, four statements and two transactions per sync)
were the ingestor's largest cost after HTTP (issue 5, ``make bench``). A batch is claimed with two
SELECTs and one multi-row upsert, and settled with one executemany UPDATE and one executemany
INSERT of raw answers, in one transaction each. The admin routes read the runs and the raw
answers back through :func:`recent` and :func:`raw_answers`.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.ingestor.models import (
    SYNC_ERROR_LENGTH,
    KnownConnection,
    RawResponse,
    SyncRun,
    SyncStatus,
)
from shared import clock
from shared.db import upsert
from shared.events import SyncRequested
from shared.logging import get_logger

log = get_logger(__name__)
SETTLED = frozenset({SyncStatus.SUCCEEDED, SyncStatus.FAILED})
#: An attempt in one of these states has ended; it waits for its next attempt's request.
PARKED = frozenset({SyncStatus.DEFERRED, SyncStatus.REQUEUED})
_RUNS = SyncRun.__table__  # type: ignore[attr-defined]
_RAW = RawResponse.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Settlement:
    """How one sync ended (or was parked): the run's new state, plus its raw answers."""

    sync_id: uuid.UUID
    status: SyncStatus
    finished_at: datetime | None
    snapshots: int = 0
    api_calls: int = 0
    error_class: str | None = None
    error: str | None = None
    not_before: datetime | None = None
    connection_id: uuid.UUID | None = None
    day: date | None = None
    raw: list[dict[str, Any]] = field(default_factory=list)


async def claim(
    session: AsyncSession, requests: Sequence[SyncRequested]
) -> dict[uuid.UUID, KnownConnection]:
    """The requests to run now (by sync id, with their connection), their runs marked running.

    Left out: a redelivered request whose sync is settled, further along (attempt) or parked
    after this very attempt (it must wait for its due time), a request whose connection is
    unknown or inactive, a second copy within the batch. A run still ``running`` at the same
    attempt is claimed again: its replica stopped before settling it.
    """
    if not requests:
        return {}
    runs = {
        sync_id: (status, attempt)
        for sync_id, status, attempt in await session.exec(
            select(SyncRun.id, SyncRun.status, SyncRun.attempt).where(
                col(SyncRun.id).in_({r.sync_id for r in requests})
            )
        )
    }
    connections = {
        c.connection_id: c
        for c in await session.exec(
            select(KnownConnection).where(
                col(KnownConnection.connection_id).in_({r.connection_id for r in requests})
            )
        )
    }
    chosen: dict[uuid.UUID, KnownConnection] = {}
    rows: list[dict[str, Any]] = []
    now = clock.now()
    for request in requests:
        status, attempt = runs.get(request.sync_id, (None, 0))
        if (
            request.sync_id in chosen
            or status in SETTLED
            or attempt > request.attempt
            or (status in PARKED and attempt == request.attempt)
        ):
            continue
        connection = connections.get(request.connection_id)
        if connection is None or not connection.active:
            log.info(
                "sync skipped: connection not active", connection_id=str(request.connection_id)
            )
            continue
        chosen[request.sync_id] = connection
        rows.append(
            {
                "id": request.sync_id,
                "connection_id": request.connection_id,
                "client_id": request.client_id,
                "platform": request.platform,
                "reason": request.reason,
                "backfill": request.backfill,
                "status": SyncStatus.RUNNING,
                "attempt": request.attempt,
                "not_before": None,
                "api_calls": 0,
                "snapshots": 0,
                "started_at": now,
            }
        )
    await upsert(
        session, SyncRun, rows, conflict=["id"], update=["status", "attempt", "not_before"]
    )
    return chosen


async def settle(
    session: AsyncSession, settlements: Sequence[Settlement], *, keep_raw: bool
) -> None:
    """Record how each sync ended, and keep its raw answers (compressed) when asked to."""
    if not settlements:
        return
    connection = await session.connection()
    await connection.execute(
        update(_RUNS)
        .where(_RUNS.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            finished_at=bindparam("b_finished_at"),
            snapshots=bindparam("b_snapshots"),
            api_calls=bindparam("b_api_calls"),
            error_class=bindparam("b_error_class"),
            error=bindparam("b_error"),
            not_before=bindparam("b_not_before"),
        ),
        [
            {
                "b_id": s.sync_id,
                "b_status": s.status,
                "b_finished_at": s.finished_at,
                "b_snapshots": s.snapshots,
                "b_api_calls": s.api_calls,
                "b_error_class": s.error_class,
                "b_error": s.error[:SYNC_ERROR_LENGTH] if s.error else None,
                "b_not_before": s.not_before,
            }
            for s in settlements
        ],
    )
    raw = [
        {
            "connection_id": s.connection_id,
            "sync_id": s.sync_id,
            "day": s.day,
            "fetched_at": s.finished_at or clock.now(),
            "body": encode_raw(s.raw),
        }
        for s in settlements
        if keep_raw and s.raw and s.day is not None
    ]
    if raw:
        await connection.execute(insert(_RAW), raw)


def encode_raw(answers: list[dict[str, Any]]) -> bytes:
    """Level 1: a third of level 6's CPU for answers read only when debugging."""
    return zlib.compress(json.dumps(answers).encode(), 1)


def decode_raw(body: bytes) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = json.loads(zlib.decompress(body))
    return answers


async def recent(
    session: AsyncSession, *, limit: int, connection_id: uuid.UUID | None = None
) -> Sequence[SyncRun]:
    """The latest ``limit`` runs, newest first (of one connection, when given)."""
    query = select(SyncRun).order_by(col(SyncRun.started_at).desc()).limit(limit)
    if connection_id is not None:
        query = query.where(SyncRun.connection_id == connection_id)
    return (await session.exec(query)).all()


async def raw_answers(
    session: AsyncSession, connection_id: uuid.UUID, day: date
) -> Sequence[RawResponse]:
    """The raw answers kept for one connection and day, in fetch order (:func:`decode_raw`)."""
    query = (
        select(RawResponse)
        .where(RawResponse.connection_id == connection_id, RawResponse.day == day)
        .order_by(col(RawResponse.fetched_at))
    )
    return (await session.exec(query)).all()
