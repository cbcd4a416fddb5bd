"""Ingestor settings (``LSA_INGESTOR_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IngestorSettings(ServiceSettings):
    service_name: ClassVar[str] = "ingestor"
    model_config = SettingsConfigDict(env_prefix="LSA_INGESTOR_", extra="ignore")

    port: int = 8002
    #: Sync requests handled at once by one replica (replicas add up through the consumer group).
    sync_concurrency: int = Field(default=8, ge=1, le=256)
    connector_timeout_seconds: float = 10.0
