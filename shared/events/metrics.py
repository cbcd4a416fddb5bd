"""Derived per-connection metrics (topic ``analytics.metrics-updated.v1``).

Published by analytics after it stored a snapshot; alerts and reports build on it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from shared.events.base import Event
from shared.platforms import Platform


class MetricsUpdated(Event):
    type: Literal["metrics.updated"] = "metrics.updated"
    connection_id: UUID
    client_id: str
    platform: Platform
    username: str
    metrics_date: date
    backfill: bool = False
    followers: int | None = None
    followers_change_1d: int | None = None
    followers_change_7d: int | None = None
    followers_change_30d: int | None = None
    growth_pct_7d: float | None = None
    growth_pct_30d: float | None = None
    engagement_rate: float | None = None
    posts: int | None = None
