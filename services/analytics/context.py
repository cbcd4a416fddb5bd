"""What analytics' routes and handlers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from faststream import Context

from services.analytics.live import LiveHub
from services.analytics.settings import AnalyticsSettings
from shared.messaging.routing import SERVICE
from shared.outbox import OutboxRelay
from shared.service import Runtime


@dataclass
class AnalyticsContext:
    settings: AnalyticsSettings
    runtime: Runtime
    relay: OutboxRelay
    """Publishes what the handlers queue in their transactions: ``MetricsUpdated`` and
    ``SignalRaised``."""
    live: LiveHub
    """This replica's open live-update sockets, fed by ``live_feed`` (every replica sees all)."""


#: The context as a Kafka handler receives it (``shared.messaging.routing``).
HandlerContext = Annotated[AnalyticsContext, Context(SERVICE)]
