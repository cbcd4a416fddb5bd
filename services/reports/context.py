"""What reports' handlers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from faststream import Context

from services.reports.settings import ReportsSettings
from shared.messaging.routing import SERVICE
from shared.service import Runtime


@dataclass
class ReportsContext:
    settings: ReportsSettings
    runtime: Runtime


#: The context as a Kafka handler receives it (``shared.messaging.routing``).
HandlerContext = Annotated[ReportsContext, Context(SERVICE)]
