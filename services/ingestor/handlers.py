"""The ingestor's Kafka subscribers.

* connection events → keep the list of connections to sync; a new connection gets its initial
  sync with backfill (requested over Kafka, so any replica of the group may take it);
* sync requests → fetch, publish the day's snapshot (and backfilled days) on the platform's
  topic, keep the raw answers, record the run. A failure is recorded and published on
  ``ingestor.sync-failures.v1``; what time can fix (rate limits, quotas, transient errors) is
  parked and re-published when due (``jobs.requeue_due``) — the consumer never sleeps on it, so
  one struggling connection or platform never holds up the others.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime

from services.ingestor.connector_client import ConnectionGone
from services.ingestor.context import IngestorContext
from services.ingestor.domain.retry import next_attempt
from services.ingestor.models import KnownConnection, RawResponse, SyncRun, SyncStatus
from services.ingestor.syncing import SyncResult
from shared.db import upsert
from shared.events import (
    ConnectionEstablished,
    ConnectionEvent,
    ConnectionRemoved,
    ReauthorizationRequired,
    SyncFailed,
    SyncReason,
    SyncRequested,
    connection_event_adapter,
)
from shared.logging import get_logger
from shared.messaging import topics
from shared.messaging.consumer import subscribe
from shared.platforms.base import PlatformError

log = get_logger(__name__)
_DONE = {SyncStatus.SUCCEEDED, SyncStatus.FAILED}


def register(context: IngestorContext) -> None:
    runtime = context.runtime
    kafka = runtime.settings.common.kafka

    async def on_connection_event(event: ConnectionEvent) -> None:
        async with runtime.sessions() as session:
            if isinstance(event, ConnectionEstablished):
                await upsert(
                    session,
                    KnownConnection,
                    {
                        "connection_id": event.connection_id,
                        "client_id": event.client_id,
                        "platform": event.platform.value,
                        "platform_user_id": event.platform_user_id,
                        "username": event.username,
                        "active": True,
                        "updated_at": datetime.now(UTC),
                    },
                    conflict=["connection_id"],
                )
            elif isinstance(event, ConnectionRemoved | ReauthorizationRequired):
                # Nothing to sync until the client reconnects (a new "established" revives it).
                known = await session.get(KnownConnection, event.connection_id)
                if known is not None:
                    known.active = False
                    known.updated_at = datetime.now(UTC)
                    session.add(known)
            await session.commit()
        if isinstance(event, ConnectionEstablished):
            request = SyncRequested(
                # One initial sync per connection event, however often the event is delivered.
                sync_id=event.event_id,
                connection_id=event.connection_id,
                client_id=event.client_id,
                platform=event.platform,
                reason=SyncReason.INITIAL,
                backfill=True,
            )
            await runtime.publisher.publish(
                topics.SYNC_REQUESTS, request, key=str(event.connection_id)
            )

    async def on_sync_requested(request: SyncRequested) -> None:
        async with runtime.sessions() as session:
            run = await session.get(SyncRun, request.sync_id)
            if run is not None and (run.status in _DONE or run.attempt > request.attempt):
                return  # a redelivery of a sync already settled
            connection = await session.get(KnownConnection, request.connection_id)
            if connection is None or not connection.active:
                log.info(
                    "sync skipped: connection not active", connection_id=str(request.connection_id)
                )
                return
            run = run or SyncRun(
                id=request.sync_id,
                connection_id=request.connection_id,
                client_id=request.client_id,
                platform=request.platform.value,
                reason=request.reason.value,
                backfill=request.backfill,
                status=SyncStatus.RUNNING,
            )
            run.status, run.attempt, run.not_before = SyncStatus.RUNNING, request.attempt, None
            session.add(run)
            await session.commit()
        try:
            result = await context.syncer.run(request, connection)
        except ConnectionGone:
            await _settle(run, SyncStatus.FAILED, error="the connection was removed")
            return
        except PlatformError as failure:
            await _failed(request, run, failure)
            return
        for snapshot in result.snapshots:
            await runtime.publisher.publish(
                topics.snapshots(request.platform), snapshot, key=str(request.connection_id)
            )
        await _succeeded(request, run, result)

    async def _succeeded(request: SyncRequested, run: SyncRun, result: SyncResult) -> None:
        async with runtime.sessions() as session:
            run = await session.merge(run)
            run.status, run.finished_at = SyncStatus.SUCCEEDED, datetime.now(UTC)
            run.snapshots, run.api_calls = len(result.snapshots), len(result.raw)
            run.error_class = run.error = None
            if context.settings.keep_raw_responses and result.raw:
                session.add(
                    RawResponse(
                        connection_id=request.connection_id,
                        sync_id=request.sync_id,
                        day=result.snapshots[0].snapshot_date,
                        body=zlib.compress(json.dumps(result.raw).encode()),
                    )
                )
            await session.commit()
        log.info(
            "sync done",
            connection_id=str(request.connection_id),
            platform=request.platform.value,
            snapshots=len(result.snapshots),
        )

    async def _failed(request: SyncRequested, run: SyncRun, failure: PlatformError) -> None:
        now = datetime.now(UTC)
        retry_at = next_attempt(
            failure.error_class, attempt=request.attempt, now=now, retry_after=failure.retry_after
        )
        await _settle(
            run,
            SyncStatus.DEFERRED if retry_at else SyncStatus.FAILED,
            error=failure.message,
            error_class=failure.error_class.value,
            not_before=retry_at,
        )
        await runtime.publisher.publish(
            topics.SYNC_FAILURES,
            SyncFailed(
                sync_id=request.sync_id,
                connection_id=request.connection_id,
                client_id=request.client_id,
                platform=request.platform,
                reason=request.reason,
                error_class=failure.error_class.value,
                message=failure.message[:500],
                retry_at=retry_at,
            ),
            key=str(request.connection_id),
        )
        log.warning(
            "sync failed",
            connection_id=str(request.connection_id),
            platform=request.platform.value,
            error_class=failure.error_class.value,
            attempt=request.attempt,
            retry_at=retry_at.isoformat() if retry_at else None,
        )

    async def _settle(
        run: SyncRun,
        status: str,
        *,
        error: str,
        error_class: str | None = None,
        not_before: datetime | None = None,
    ) -> None:
        async with runtime.sessions() as session:
            run = await session.merge(run)
            run.status, run.error, run.error_class = status, error[:1000], error_class
            run.not_before = not_before
            run.finished_at = None if status == SyncStatus.DEFERRED else datetime.now(UTC)
            await session.commit()

    subscribe(
        runtime.broker,
        topics.CONNECTIONS,
        group_id="ingestor.connections",
        parse=connection_event_adapter.validate_json,
        handle=on_connection_event,
        settings=kafka,
    )
    subscribe(
        runtime.broker,
        topics.SYNC_REQUESTS,
        group_id="ingestor.sync-requests",
        parse=SyncRequested.model_validate_json,
        handle=on_sync_requested,
        settings=kafka,
        concurrency=context.settings.sync_concurrency,
    )
