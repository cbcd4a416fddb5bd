"""Analytics settings (``LSA_ANALYTICS_*``)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.analytics.domain.signals import DEFAULT_CONFIG, SignalConfig
from shared.platforms import Platform
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
    signal_milestones: tuple[int, ...] = DEFAULT_CONFIG.milestones
    """An account's follower milestones, increasing (JSON list), unless its platform has its own."""
    signal_platform_milestones: dict[Platform, tuple[int, ...]] = Field(default_factory=dict)
    """Milestones per platform (JSON object, e.g. ``{"youtube": [1000, 100000]}``)."""
    signal_total_milestones: tuple[int, ...] = DEFAULT_CONFIG.milestones
    """Milestones of the sum of a client's accounts."""
    signal_stale_days: int = Field(default=DEFAULT_CONFIG.stale_days, ge=1)
    """Days without a successful (live) sync that make an account's data stale."""
    signal_lookback_days: int = Field(default=7, ge=0)
    """Signals are raised for days at most this many days before today: a rebuilt year of
    history never raises year-old milestones."""
    signal_stale_check_seconds: float = Field(default=3600, gt=0)
    """How often (and once at start) every connection is checked for stale data."""
    signal_batch_size: int = Field(default=500, ge=1)
    """Metrics events the signal consumer takes at once (one transaction per client)."""
    portfolio_refresh_seconds: float = Field(default=30, gt=0)
    """How often (and once at start) the default portfolio is recomputed if it changed, so a
    request after a change usually finds it ready."""

    @model_validator(mode="after")
    def _signal_thresholds(self) -> Self:
        """Refuse to start with thresholds the rules cannot use (not positive, not increasing)."""
        for milestones in (
            self.signal_milestones,
            self.signal_total_milestones,
            *self.signal_platform_milestones.values(),
        ):
            SignalConfig(milestones=milestones)
        return self
