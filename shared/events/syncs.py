"""Sync requests (topic ``ingestor.sync-requests.v1``), consumed by the ingestors' group."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from shared.events.base import Event
from shared.platforms import Platform


class SyncReason(StrEnum):
    INITIAL = "initial"
    DAILY = "daily"
    ON_DEMAND = "on_demand"


class SyncRequested(Event):
    type: Literal["sync.requested"] = "sync.requested"
    connection_id: UUID
    client_id: str
    platform: Platform
    reason: SyncReason
    #: Ask the platform for as much daily history as it gives (initial syncs).
    backfill: bool = False
