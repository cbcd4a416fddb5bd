"""The ingestor's scheduled work: the daily trigger, parked syncs coming due, raw-answer purge.

Each is a plain async function over the runtime, called by an in-process timer or by a CLI
command (Kubernetes CronJobs); all are safe to run from several replicas at once.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from services.ingestor.domain.schedule import next_run
from services.ingestor.models import (
    KnownConnection,
    RawResponse,
    ScheduleClaim,
    SyncRun,
    SyncStatus,
)
from services.ingestor.settings import IngestorSettings
from shared import clock
from shared.events import SyncReason, SyncRequested
from shared.logging import get_logger
from shared.messaging import topics
from shared.service import Runtime

log = get_logger(__name__)
DAILY_JOB = "daily-sync"
#: Connections read (and their requests published) per page of the daily trigger.
DAILY_PAGE = 500
#: Parked syncs one :func:`requeue_due` pass re-publishes (the longest-waiting first).
REQUEUE_BATCH = 500


async def claim(runtime: Runtime, job: str, day: date) -> bool:
    """True for exactly one caller per job and day, whichever replica or CronJob it is."""
    async with runtime.sessions() as session:
        session.add(ScheduleClaim(job=job, day=day))
        try:
            await session.commit()
        except IntegrityError:
            return False
    return True


async def request_daily_syncs(
    runtime: Runtime, *, day: date | None = None, force: bool = False
) -> int:
    """Publish a daily sync request for every active connection; returns how many."""
    day = day or clock.today()
    if not force and not await claim(runtime, DAILY_JOB, day):
        log.info("daily sync already requested", day=day.isoformat())
        return 0
    requested = 0
    last_id = None
    while True:
        async with runtime.sessions() as session:
            query = select(KnownConnection).where(KnownConnection.active == True)  # noqa: E712
            if last_id is not None:
                query = query.where(col(KnownConnection.connection_id) > last_id)
            rows = (
                await session.exec(
                    query.order_by(col(KnownConnection.connection_id)).limit(DAILY_PAGE)
                )
            ).all()
        if not rows:
            break
        await asyncio.gather(
            *(
                runtime.publisher.publish(
                    topics.SYNC_REQUESTS,
                    SyncRequested(
                        connection_id=row.connection_id,
                        client_id=row.client_id,
                        platform=row.platform,
                        reason=SyncReason.DAILY,
                    ),
                    key=str(row.connection_id),
                )
                for row in rows
            )
        )
        requested += len(rows)
        last_id = rows[-1].connection_id
    log.info("daily sync requested", day=day.isoformat(), connections=requested)
    return requested


async def requeue_due(runtime: Runtime) -> int:
    """Re-publish parked syncs whose wait is over (each claimed by one replica)."""
    now = clock.now()
    async with runtime.sessions() as session:
        due = (
            await session.exec(
                select(SyncRun)
                .where(SyncRun.status == SyncStatus.DEFERRED, col(SyncRun.not_before) <= now)
                .order_by(col(SyncRun.not_before))
                .limit(REQUEUE_BATCH)
            )
        ).all()
    requeued = 0
    for run in due:
        async with runtime.sessions() as session:
            connection = await session.connection()
            claimed = await connection.execute(
                update(SyncRun)
                .where(col(SyncRun.id) == run.id, col(SyncRun.status) == SyncStatus.DEFERRED)
                .values(status=SyncStatus.REQUEUED)
            )
            await session.commit()
        if not claimed.rowcount:
            continue
        await runtime.publisher.publish(
            topics.SYNC_REQUESTS,
            SyncRequested(
                connection_id=run.connection_id,
                client_id=run.client_id,
                platform=run.platform,
                reason=run.reason,
                backfill=run.backfill,
                sync_id=run.id,
                attempt=run.attempt + 1,
            ),
            key=str(run.connection_id),
        )
        requeued += 1
    return requeued


async def purge_raw_responses(runtime: Runtime, retention_days: int) -> int:
    cutoff = clock.now() - timedelta(days=retention_days)
    async with runtime.sessions() as session:
        connection = await session.connection()
        result = await connection.execute(
            delete(RawResponse).where(col(RawResponse.fetched_at) < cutoff)
        )
        await session.commit()
    return int(result.rowcount or 0)


def seconds_until_daily_run(settings: IngestorSettings) -> float:
    now = clock.now()
    return (next_run(now, settings.daily_sync_at) - now).total_seconds()
