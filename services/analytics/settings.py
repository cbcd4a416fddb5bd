"""Analytics settings (``LSA_ANALYTICS_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"
    model_config = SettingsConfigDict(env_prefix="LSA_ANALYTICS_", extra="ignore")

    port: int = 8003
    snapshot_batch_size: int = 500
    """Snapshots handled together: a year of backfill is stored and derived in one transaction."""
