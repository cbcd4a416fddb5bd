"""Alerts settings (``LSA_ALERTS_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AlertsSettings(ServiceSettings):
    service_name: ClassVar[str] = "alerts"
    model_config = SettingsConfigDict(env_prefix="LSA_ALERTS_", extra="ignore")

    port: int = 8004
