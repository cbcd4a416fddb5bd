"""What the ingestor's routes and handlers share."""

from __future__ import annotations

from dataclasses import dataclass

from services.ingestor.settings import IngestorSettings
from services.ingestor.syncing import Syncer
from shared.service import Runtime


@dataclass
class IngestorContext:
    settings: IngestorSettings
    runtime: Runtime
    syncer: Syncer
