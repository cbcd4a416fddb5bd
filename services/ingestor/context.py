"""What the ingestor's routes and handlers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from faststream import Context

from services.ingestor.settings import IngestorSettings
from services.ingestor.syncing import Syncer
from shared.messaging.routing import SERVICE
from shared.service import Runtime


@dataclass
class IngestorContext:
    settings: IngestorSettings
    runtime: Runtime
    syncer: Syncer


#: The context as a Kafka handler receives it (``shared.messaging.routing``).
HandlerContext = Annotated[IngestorContext, Context(SERVICE)]
