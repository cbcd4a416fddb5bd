"""What every event carries."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from shared import clock


class Event(BaseModel):
    """Base of all events.

    ``event_id`` lets consumers deduplicate redeliveries; ``extra="ignore"`` lets an older consumer
    read a newer minor revision of the same topic.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=clock.now)
    schema_version: int = 1
