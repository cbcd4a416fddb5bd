"""One sync: fetch through the platform client, turn it into snapshot events.

Plain functions; the handler around them does the Kafka and database work.
"""

from __future__ import annotations

from datetime import datetime

from services.ingestor.models import KnownConnection
from shared.events import AccountSnapshot, SyncRequested
from shared.events.snapshots import SnapshotMetrics


def build_snapshot(
    request: SyncRequested,
    connection: KnownConnection,
    data: SnapshotMetrics,
    *,
    fetched_at: datetime,
) -> AccountSnapshot:
    """The day's snapshot: the data's own date is the UTC day it was fetched."""
    return AccountSnapshot(
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
