"""Syncing a batch of sync requests: claim the runs, fetch concurrently, publish, record.

Claim the runs (:mod:`services.ingestor.runs`), borrow the batch's tokens in one call, fetch
concurrently (:class:`services.ingestor.syncing.Syncer`), publish the day's snapshot (and
backfilled days) on the platform's topic, then record every run and keep the raw answers in one
transaction. A failure is published on ``ingestor.sync-failures.v1`` and recorded; what time can
fix (rate limits, quotas, transient errors) is parked and re-published when due
(``jobs.requeue_due``) — the consumer never sleeps on it, so one struggling connection or
platform never holds up the others.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from services.ingestor import runs
from services.ingestor.connector_client import ConnectionGone
from services.ingestor.context import IngestorContext
from services.ingestor.domain.retry import next_attempt
from services.ingestor.models import KnownConnection, SyncStatus
from shared import clock, correlation
from shared.events import SyncFailed, SyncRequested
from shared.events.syncs import SYNC_FAILED_MESSAGE_LENGTH
from shared.logging import get_logger
from shared.messaging import topics
from shared.messaging.consumer import Delivery, Outcome
from shared.platforms.base import ErrorClass, PlatformError

log = get_logger(__name__)


async def sync_batch(
    context: IngestorContext, deliveries: list[Delivery[SyncRequested]]
) -> list[Outcome]:
    """Claim the runs, sync concurrently, settle — one transaction each side; per delivery,
    ``None`` or the error its sync met."""
    runtime = context.runtime
    started = time.perf_counter()
    async with runtime.sessions() as session:
        chosen = await runs.claim(session, [d.event for d in deliveries])
        await session.commit()
    # The first copy of each claimed request (a batch may hold a redelivered duplicate).
    first: dict[uuid.UUID, Delivery[SyncRequested]] = {}
    for delivery in deliveries:
        if delivery.event.sync_id in chosen:
            first.setdefault(delivery.event.sync_id, delivery)
    todo = list(first.values())
    tokens = await context.syncer.borrow([d.event for d in todo])
    results = await asyncio.gather(
        *(
            sync_one(context, d, chosen[d.event.sync_id], tokens[d.event.connection_id])
            for d in todo
        ),
        return_exceptions=True,
    )
    async with runtime.sessions() as session:
        await runs.settle(
            session,
            [r for r in results if isinstance(r, runs.Settlement)],
            keep_raw=context.settings.keep_raw_responses,
        )
        await session.commit()
    log.info(
        "sync batch done",
        records=len(deliveries),
        synced=len(todo),
        seconds=round(time.perf_counter() - started, 3),
    )
    errors = {id(d): r for d, r in zip(todo, results, strict=True) if isinstance(r, BaseException)}
    # Deliveries not run (settled before, inactive, duplicates) are done: ``None``.
    return [errors.get(id(d)) for d in deliveries]


async def sync_one(
    context: IngestorContext,
    delivery: Delivery[SyncRequested],
    connection: KnownConnection,
    token: str | Exception,
) -> runs.Settlement:
    """Fetch and publish one connection's snapshots (or its failure); how it ended.

    Everything a sync publishes is published before its run is recorded: a crash in between
    repeats the sync (consumers are idempotent), it never loses an event.
    """
    correlation.bind(delivery.correlation_id)  # a task of its own: its own context
    publisher = context.runtime.publisher
    request = delivery.event
    limit = context.settings.sync_timeout_seconds
    try:
        if isinstance(token, Exception):
            raise token
        try:
            async with asyncio.timeout(limit):
                result = await context.syncer.run(request, connection, token)
        except TimeoutError as error:
            raise PlatformError(
                request.platform, ErrorClass.TRANSIENT, f"sync took longer than {limit:g} s"
            ) from error
    except ConnectionGone:
        return runs.Settlement(
            request.sync_id, SyncStatus.FAILED, clock.now(), error="the connection was removed"
        )
    except PlatformError as failure:
        settlement, event = failed(request, failure)
        await publisher.publish(topics.SYNC_FAILURES, event, key=str(request.connection_id))
        return settlement
    for snapshot in result.snapshots:
        await publisher.publish(
            topics.snapshots(request.platform), snapshot, key=str(request.connection_id)
        )
    log.info(
        "sync done",
        connection_id=str(request.connection_id),
        platform=request.platform.value,
        snapshots=len(result.snapshots),
    )
    return runs.Settlement(
        request.sync_id,
        SyncStatus.SUCCEEDED,
        clock.now(),
        snapshots=len(result.snapshots),
        api_calls=len(result.raw),
        connection_id=request.connection_id,
        day=result.snapshots[0].snapshot_date if result.snapshots else None,
        raw=result.raw,
    )


def failed(request: SyncRequested, failure: PlatformError) -> tuple[runs.Settlement, SyncFailed]:
    """Parked until ``retry_at`` when time can fix it (``domain.retry``), failed otherwise."""
    now = clock.now()
    retry_at = next_attempt(
        failure.error_class, attempt=request.attempt, now=now, retry_after=failure.retry_after
    )
    log.warning(
        "sync failed",
        connection_id=str(request.connection_id),
        platform=request.platform.value,
        error_class=failure.error_class.value,
        attempt=request.attempt,
        retry_at=retry_at.isoformat() if retry_at else None,
    )
    return (
        runs.Settlement(
            request.sync_id,
            SyncStatus.DEFERRED if retry_at else SyncStatus.FAILED,
            None if retry_at else now,
            error_class=failure.error_class.value,
            error=failure.message,
            not_before=retry_at,
        ),
        SyncFailed(
            sync_id=request.sync_id,
            connection_id=request.connection_id,
            client_id=request.client_id,
            platform=request.platform,
            reason=request.reason,
            error_class=failure.error_class.value,
            message=failure.message[:SYNC_FAILED_MESSAGE_LENGTH],
            retry_at=retry_at,
        ),
    )
