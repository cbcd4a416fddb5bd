"""Reports settings (``LSA_REPORTS_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReportsSettings(ServiceSettings):
    service_name: ClassVar[str] = "reports"
    model_config = SettingsConfigDict(env_prefix="LSA_REPORTS_", extra="ignore")

    port: int = 8005
