"""HTTP shapes of the ingestor's admin routes.

The class names are the OpenAPI schema names the CRM's backend reads, and the classes carry no
docstrings on purpose: pydantic would publish them as schema descriptions.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

#: Most sync runs one ``GET /syncs`` lists.
MAX_LISTED_SYNCS = 500


class SyncRunPublic(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    platform: str
    reason: str
    status: str
    attempt: int
    not_before: datetime | None
    error_class: str | None
    error: str | None
    api_calls: int
    snapshots: int
    started_at: datetime
    finished_at: datetime | None


class RawAnswer(BaseModel):
    method: str
    url: str
    status: int
    body: str


class RawSync(BaseModel):
    sync_id: uuid.UUID
    fetched_at: datetime
    answers: list[RawAnswer]
