"""Derived per-connection metrics (topic ``analytics.metrics-updated.v1``).

Published by analytics for every day whose figures a stored snapshot made or changed — the
snapshot's own day, and the later days whose changes it completed (a backfilled day can make a
live day's 7-day change known). Alerts and reports build on it: for a connection and day, the
event with the highest ``revision`` is the current one (redeliveries carry older revisions).
The method behind the figures is in the README (§7, "How the figures are made").
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
    #: ``observed`` (stated by the platform for that day) or ``rebuilt`` (chained from an
    #: observed count through the platform's daily gains and losses); None when unknown.
    followers_source: str | None = None
    #: New followers during the day, where the platform reports them.
    new_followers: int | None = None
    #: Per connection, grows with every recomputation: the higher revision is the newer figure.
    revision: int = 0
    #: The day's figures come from an admin's history import (counts the client recorded, e.g.
    #: before connecting), not from the platform; such a day has ``backfill`` false.
    imported: bool = False
