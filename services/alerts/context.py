"""What alerts' handlers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from faststream import Context

from services.alerts.settings import AlertsSettings
from shared.messaging.routing import SERVICE
from shared.service import Runtime


@dataclass
class AlertsContext:
    settings: AlertsSettings
    runtime: Runtime


#: The context as a Kafka handler receives it (``shared.messaging.routing``).
HandlerContext = Annotated[AlertsContext, Context(SERVICE)]
