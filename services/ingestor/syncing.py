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
from datetime import date, datetime
from typing import Any

from services.ingestor.connector_client import ConnectorClient
from services.ingestor.domain.backfill import history_days
from services.ingestor.models import KnownConnection
from shared import clock
from shared.db.types import as_utc
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
        settle_days: int = 0,
    ) -> None:
        self.clients = clients
        self.connector = connector
        self.backfill_days = backfill_days
        self.settle_days = settle_days

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
        days = history_days(
            backfill=request.backfill,
            connected_on=connected_on(connection),
            today=clock.today(),
            backfill_days=self.backfill_days,
            settle_days=self.settle_days,
        )
        with capturing() as raw:
            try:
                data, history = await self._fetch(client, token, connection, days)
            except PlatformError as error:
                if error.error_class is not ErrorClass.TOKEN_EXPIRED:
                    raise
                token = await self.connector.access_token(
                    request.connection_id, request.platform, refresh=True
                )
                try:
                    data, history = await self._fetch(client, token, connection, days)
                except PlatformError as again:
                    if again.error_class is ErrorClass.TOKEN_EXPIRED:
                        raise PlatformError(
                            request.platform,
                            ErrorClass.REAUTH_REQUIRED,
                            f"refused even after a refresh: {again.message}",
                        ) from again
                    raise
        fetched_at = clock.now()
        # The live day first: the portal shows it at once, the past fills in behind it.
        snapshots = [live_snapshot(request, connection, data, fetched_at=fetched_at)]
        snapshots += backfill_snapshots(request, connection, history, fetched_at=fetched_at)
        return SyncResult(snapshots=snapshots, raw=raw)

    async def _fetch(
        self, client: PlatformClient, token: str, connection: KnownConnection, days: int
    ) -> tuple[SnapshotMetrics, list[HistoryPoint]]:
        data = await client.fetch_snapshot(token, account_id=connection.platform_user_id)
        history: list[HistoryPoint] = []
        if days:
            history = await client.fetch_history(
                token, account_id=connection.platform_user_id, days=days
            )
        return data, history


def connected_on(connection: KnownConnection) -> date | None:
    moment = as_utc(connection.connected_at)
    return moment.date() if moment else None


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
    fetched_at: datetime,
) -> list[AccountSnapshot]:
    """One snapshot per past day the platform reported, marked as backfill: what the platform
    stated and nothing worked out (analytics chains counts through the gains and losses)."""
    today = fetched_at.date()
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
            followers_gained=day.followers_gained,
            followers_lost=day.followers_lost,
            views=_int(day.metrics.get("views")),
            reach=_int(day.metrics.get("reach")),
            platform_metrics=_metrics(day),
        )
        for day in sorted(history, key=lambda point: point.day)
        if day.day < today
    ]


def _metrics(point: HistoryPoint) -> dict[str, float]:
    """The day's platform metrics, with the follower series kept under their usual names."""
    metrics = dict(point.metrics)
    if point.followers_gained is not None:
        metrics["followers_gained"] = float(point.followers_gained)
    if point.followers_lost is not None:
        metrics["followers_lost"] = float(point.followers_lost)
    return metrics


def _int(value: float | None) -> int | None:
    return int(value) if value is not None else None


def _snapshot_id(connection_id: uuid.UUID, day: str, fetched_at: datetime) -> uuid.UUID:
    """Deterministic: re-publishing the same fetch yields the same event ids."""
    return uuid.uuid5(connection_id, f"snapshot:{day}:{fetched_at.isoformat()}")
