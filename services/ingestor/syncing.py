"""One sync: fetch through the platform client with the borrowed token, build the snapshots.

Tokens are borrowed for a whole batch of syncs at once (:meth:`Syncer.borrow`, one call to the
connector). The expired-token dance lives here: a ``token_expired`` answer gets one refresh
through the connector and one retry; a second refusal means the grant is dead. Everything else
the platform says is raised to the handler, which decides (``domain.retry``) whether and when to
try again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.ingestor.connector_client import ConnectorClient
from services.ingestor.domain.backfill import rebuild
from services.ingestor.models import KnownConnection
from shared import clock
from shared.events import AccountSnapshot, SyncRequested
from shared.events.snapshots import SnapshotMetrics
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, HistoryPoint, PlatformError
from shared.platforms.capture import capturing
from shared.platforms.registry import PlatformClient


@dataclass
class SyncResult:
    snapshots: list[AccountSnapshot]
    raw: list[dict[str, Any]] = field(default_factory=list)


class Syncer:
    def __init__(
        self,
        clients: dict[Platform, PlatformClient],
        connector: ConnectorClient,
        *,
        backfill_days: int,
    ) -> None:
        self.clients = clients
        self.connector = connector
        self.backfill_days = backfill_days

    async def borrow(self, requests: Sequence[SyncRequested]) -> dict[uuid.UUID, str | Exception]:
        """The access tokens of a batch of syncs (one connector call), or why there is none."""
        if not requests:
            return {}
        platforms = {r.connection_id: r.platform for r in requests}
        return await self.connector.access_tokens(list(platforms), platforms)

    async def run(
        self, request: SyncRequested, connection: KnownConnection, token: str
    ) -> SyncResult:
        client = self.clients.get(request.platform)
        if client is None:
            raise PlatformError(
                request.platform, ErrorClass.PERMISSION_OR_INPUT, "platform is not enabled"
            )
        with capturing() as raw:
            try:
                data, history = await self._fetch(client, token, connection, request.backfill)
            except PlatformError as error:
                if error.error_class is not ErrorClass.TOKEN_EXPIRED:
                    raise
                token = await self.connector.access_token(
                    request.connection_id, request.platform, refresh=True
                )
                try:
                    data, history = await self._fetch(client, token, connection, request.backfill)
                except PlatformError as again:
                    if again.error_class is ErrorClass.TOKEN_EXPIRED:
                        raise PlatformError(
                            request.platform,
                            ErrorClass.REAUTH_REQUIRED,
                            f"refused even after a refresh: {again.message}",
                        ) from again
                    raise
        fetched_at = clock.now()
        snapshots = [live_snapshot(request, connection, data, fetched_at=fetched_at)]
        snapshots += backfill_snapshots(
            request,
            connection,
            history,
            followers_today=data.followers,
            fetched_at=fetched_at,
            requested_start=fetched_at.date() - timedelta(days=self.backfill_days),
        )
        return SyncResult(snapshots=snapshots, raw=raw)

    async def _fetch(
        self, client: PlatformClient, token: str, connection: KnownConnection, backfill: bool
    ) -> tuple[SnapshotMetrics, list[HistoryPoint]]:
        data = await client.fetch_snapshot(token, account_id=connection.platform_user_id)
        history: list[HistoryPoint] = []
        if backfill:
            history = await client.fetch_history(
                token, account_id=connection.platform_user_id, days=self.backfill_days
            )
        return data, history


def live_snapshot(
    request: SyncRequested,
    connection: KnownConnection,
    data: SnapshotMetrics,
    *,
    fetched_at: datetime,
) -> AccountSnapshot:
    """The day's snapshot: the data's own date is the UTC day it was fetched."""
    return AccountSnapshot(
        event_id=_snapshot_id(request.connection_id, fetched_at.date().isoformat(), fetched_at),
        connection_id=request.connection_id,
        client_id=request.client_id,
        platform=request.platform,
        platform_user_id=connection.platform_user_id,
        username=connection.username,
        snapshot_date=fetched_at.date(),
        fetched_at=fetched_at,
        backfill=False,
        **dict(data),
    )


def backfill_snapshots(
    request: SyncRequested,
    connection: KnownConnection,
    history: list[HistoryPoint],
    *,
    followers_today: int | None,
    fetched_at: datetime,
    requested_start: date,
) -> list[AccountSnapshot]:
    """One snapshot per past day the platform reported, marked as backfill."""
    days = rebuild(
        history,
        today=fetched_at.date(),
        followers_today=followers_today,
        requested_start=requested_start,
    )
    return [
        AccountSnapshot(
            event_id=_snapshot_id(request.connection_id, day.day.isoformat(), fetched_at),
            connection_id=request.connection_id,
            client_id=request.client_id,
            platform=request.platform,
            platform_user_id=connection.platform_user_id,
            username=connection.username,
            snapshot_date=day.day,
            fetched_at=fetched_at,
            backfill=True,
            followers=day.followers,
            views=_int(day.metrics.get("views")),
            reach=_int(day.metrics.get("reach")),
            platform_metrics=day.metrics,
        )
        for day in days
    ]


def _int(value: float | None) -> int | None:
    return int(value) if value is not None else None


def _snapshot_id(connection_id: uuid.UUID, day: str, fetched_at: datetime) -> uuid.UUID:
    """Deterministic: re-publishing the same fetch yields the same event ids."""
    return uuid.uuid5(connection_id, f"snapshot:{day}:{fetched_at.isoformat()}")
