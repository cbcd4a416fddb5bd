"""Analytics settings (``LSA_ANALYTICS_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"
    model_config = SettingsConfigDict(env_prefix="LSA_ANALYTICS_", extra="ignore")

    port: int = 8003
    snapshot_batch_size: int = 500
    """Snapshots handled together: a year of backfill is stored and derived in one transaction."""
    live_max_pending_days: int = Field(default=5000, ge=1)
    """Days a live socket may have waiting to be sent; one that falls further behind is closed
    (1013), so a slow reader costs bounded memory and never holds up the others."""
    live_days_per_message: int = Field(default=500, ge=1)
    """Most days in one live message: keeps frames well under common 1 MiB client limits."""
    live_flush_seconds: float = Field(default=0.2, ge=0, le=10)
    """How long a live socket gathers days before sending: a burst becomes one message."""
