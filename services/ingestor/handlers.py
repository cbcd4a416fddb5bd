"""The ingestor's Kafka subscribers.

* connection events → keep the list of connections to sync; a new connection gets its initial
  sync with backfill (requested over Kafka, so any replica of the group may take it);
* sync requests, a batch at a time → claim the runs (:mod:`services.ingestor.runs`), fetch
  concurrently, publish the day's snapshot (and backfilled days) on the platform's topic, then
  record every run and keep the raw answers in one transaction. A failure is published on
  ``ingestor.sync-failures.v1`` and recorded; what time can fix (rate limits, quotas,
  transient errors) is parked and re-published when due (``jobs.requeue_due``) — the consumer
  never sleeps on it, so one struggling connection or platform never holds up the others.
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
from shared.messaging.consumer import Delivery, subscribe, subscribe_batch
from shared.platforms.base import ErrorClass, PlatformError

log = get_logger(__name__)


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
                        "connected_at": event.connected_at,
                        "updated_at": clock.now(),
                    },
                    conflict=["connection_id"],
                )
            elif isinstance(event, ConnectionRemoved | ReauthorizationRequired):
                # Nothing to sync until the client reconnects (a new "established" revives it).
                known = await session.get(KnownConnection, event.connection_id)
                if known is not None:
                    known.active = False
                    known.updated_at = clock.now()
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

    async def on_sync_requests(
        deliveries: list[Delivery[SyncRequested]],
    ) -> list[BaseException | None]:
        """A batch: claim the runs, sync concurrently, settle — one transaction each side."""
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
            *(sync_one(d, chosen[d.event.sync_id], tokens[d.event.connection_id]) for d in todo),
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
        errors = {
            id(d): r for d, r in zip(todo, results, strict=True) if isinstance(r, BaseException)
        }
        # Deliveries not run (settled before, inactive, duplicates) are done: ``None``.
        return [errors.get(id(d)) for d in deliveries]

    async def sync_one(
        delivery: Delivery[SyncRequested], connection: KnownConnection, token: str | Exception
    ) -> runs.Settlement:
        """Fetch and publish one connection's snapshots (or its failure); how it ended.

        Everything a sync publishes is published before its run is recorded: a crash in between
        repeats the sync (consumers are idempotent), it never loses an event.
        """
        correlation.bind(delivery.correlation_id)  # a task of its own: its own context
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
            await runtime.publisher.publish(
                topics.SYNC_FAILURES, event, key=str(request.connection_id)
            )
            return settlement
        for snapshot in result.snapshots:
            await runtime.publisher.publish(
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

    subscribe(
        runtime.broker,
        topics.CONNECTIONS,
        group_id="ingestor.connections",
        parse=connection_event_adapter.validate_json,
        handle=on_connection_event,
        settings=kafka,
    )
    subscribe_batch(
        runtime.broker,
        topics.SYNC_REQUESTS,
        group_id="ingestor.sync-requests",
        parse=SyncRequested.model_validate_json,
        handle_batch=on_sync_requests,
        settings=kafka,
        max_records=context.settings.sync_concurrency,
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
            message=failure.message[:500],
            retry_at=retry_at,
        ),
    )
