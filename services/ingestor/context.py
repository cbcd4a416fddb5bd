"""What the ingestor's routes and handlers share."""

from __future__ import annotations

from dataclasses import dataclass

from services.ingestor.connector_client import ConnectorClient
from services.ingestor.settings import IngestorSettings
from shared.platforms import Platform
from shared.platforms.registry import PlatformClient
from shared.service import Runtime


@dataclass
class IngestorContext:
    settings: IngestorSettings
    runtime: Runtime
    connector: ConnectorClient
    clients: dict[Platform, PlatformClient]
