"""The ingestor's Kafka subscribers.

* connection events → keep the list of connections to sync; a new connection gets its initial sync
  (requested over Kafka, so any replica of the group may take it);
* sync requests → fetch, publish the snapshot on the platform's topic, record the run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.ingestor.context import IngestorContext
from services.ingestor.models import KnownConnection, SyncRun
from services.ingestor.sync import build_snapshot
from shared.db import upsert
from shared.events import (
    ConnectionEstablished,
    ConnectionEvent,
    ConnectionRemoved,
    ReauthorizationRequired,
    SyncReason,
    SyncRequested,
    connection_event_adapter,
)
from shared.logging import get_logger
from shared.messaging import topics
from shared.messaging.consumer import subscribe
from shared.platforms.base import PlatformError

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
            run = await session.get(SyncRun, request.event_id)
            if run is not None and run.status == "succeeded":
                return  # a redelivery of a sync already done
            connection = await session.get(KnownConnection, request.connection_id)
            if connection is None or not connection.active:
                log.info(
                    "sync skipped: connection not active", connection_id=str(request.connection_id)
                )
                return
            client = context.clients.get(request.platform)
            run = run or SyncRun(
                id=request.event_id,
                connection_id=request.connection_id,
                platform=request.platform.value,
                reason=request.reason.value,
                status="running",
            )
            try:
                if client is None:
                    raise LookupError(f"platform {request.platform} is not enabled")
                token = await context.connector.access_token(
                    request.connection_id, request.platform
                )
                data = await client.fetch_snapshot(token, account_id=connection.platform_user_id)
            except PlatformError as failure:
                run.status, run.error_class, run.error = (
                    "failed",
                    failure.error_class,
                    failure.message[:1000],
                )
                run.finished_at = datetime.now(UTC)
                session.add(run)
                await session.commit()
                log.warning(
                    "sync failed",
                    connection_id=str(request.connection_id),
                    error_class=failure.error_class,
                )
                return
            snapshot = build_snapshot(request, connection, data, fetched_at=datetime.now(UTC))
            await runtime.publisher.publish(
                topics.snapshots(request.platform), snapshot, key=str(request.connection_id)
            )
            run.status, run.snapshots, run.finished_at = "succeeded", 1, datetime.now(UTC)
            session.add(run)
            await session.commit()
            log.info(
                "sync done", connection_id=str(request.connection_id), followers=data.followers
            )

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
        max_workers=context.settings.sync_concurrency,
    )
