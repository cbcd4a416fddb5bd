"""Sync requests (topic ``ingestor.sync-requests.v1``), consumed by the ingestors' group."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID, uuid4

from pydantic import Field

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
    #: One sync keeps its id across retries; ``attempt`` counts them (1 = first try).
    sync_id: UUID = Field(default_factory=uuid4)
    attempt: int = Field(default=1, ge=1)


#: The most of a platform's error text a ``sync.failed`` event carries (the run keeps it whole).
SYNC_FAILED_MESSAGE_LENGTH = 500


class SyncFailed(Event):
    """A sync that did not produce a snapshot (topic ``ingestor.sync-failures.v1``).

    ``error_class`` is one of the platform error classes (token_expired, reauth_required,
    rate_limited, transient, permission_or_input); ``retry_at`` says when it will be tried again,
    if it will.
    """

    type: Literal["sync.failed"] = "sync.failed"
    sync_id: UUID
    connection_id: UUID
    client_id: str
    platform: Platform
    reason: SyncReason
    error_class: str
    message: str
    retry_at: datetime | None = None
