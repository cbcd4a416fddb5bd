"""Ingestor settings (``LSA_INGESTOR_*``)."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IngestorSettings(ServiceSettings):
    service_name: ClassVar[str] = "ingestor"
    model_config = SettingsConfigDict(env_prefix="LSA_INGESTOR_", extra="ignore")

    port: int = 8002
    #: Sync requests one replica takes as a batch and handles at once (replicas add up through
    #: the consumer group). A batch borrows its tokens in one call and records its runs in one
    #: transaction each side; its offsets are committed when its slowest sync is done.
    sync_concurrency: int = Field(default=64, ge=1, le=1000)
    #: A sync still fetching after this long is cut off and parked as a transient failure: a
    #: batch's offsets are committed when its slowest sync is done, so one hung platform must
    #: not hold the batch (and the partition behind it).
    sync_timeout_seconds: float = Field(default=120, gt=0)
    connector_timeout_seconds: float = 10.0
    #: How far back an initial sync asks the platform for daily history.
    backfill_days: int = Field(default=365, ge=1, le=3 * 366)
    #: For this many days after connecting, every sync asks again for the days since this many
    #: days before the connection: platforms report history with a lag (YouTube 2-3 days,
    #: Instagram ~48 h), and the lagged days link the backfill to the first live count.
    history_settle_days: int = Field(default=7, ge=0, le=60)
    #: The daily sync of every active connection (UTC).
    daily_sync_at: time = time(3, 0)
    #: Run the daily trigger in-process (``make run``); in Kubernetes a CronJob runs
    #: ``lsa sync-daily`` instead and this is off. Both are safe together: a day is claimed once.
    scheduler_enabled: bool = True
    #: How often parked (rate-limited / failed) syncs are checked for being due again.
    deferred_poll_seconds: float = Field(default=15, gt=0)
    #: Raw platform answers are kept this long for debugging.
    raw_retention_days: int = Field(default=30, ge=1)
    keep_raw_responses: bool = True
