"""Connector settings (``LSA_CONNECTOR_*``)."""

from __future__ import annotations

import base64
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

#: 32 bytes, base64: the dev-profile key. Refused outside dev like every placeholder secret.
DEV_TOKEN_KEYS = "dev:" + base64.b64encode(b"dev-only-token-key-not-for-prod!").decode()


class ConnectorSettings(ServiceSettings):
    service_name: ClassVar[str] = "connector"
    model_config = SettingsConfigDict(env_prefix="LSA_CONNECTOR_", extra="ignore")
    extra_placeholders: ClassVar[frozenset[str]] = frozenset({DEV_TOKEN_KEYS})

    port: int = 8001
    #: ``kid:base64key,kid2:base64key`` — AES-256 keys; several may be live during a rotation.
    token_keys: SecretStr = SecretStr(DEV_TOKEN_KEYS)
    #: New ciphertexts use this key; defaults to the first key listed.
    token_primary_key_id: str | None = None
    #: Public base URL of the API (OAuth redirect URIs are built from it).
    public_base_url: str = "http://127.0.0.1:8000"
    #: Where the browser goes after a connection attempt (``?status=…&platform=…``).
    portal_redirect_url: str = "http://127.0.0.1:8000/api/portal/social/connect/result"
    state_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    #: A client may ask for a sync of one connection at most this often.
    sync_request_interval_seconds: int = Field(default=3600, ge=0)
    #: How often the token upkeep (scheduled refreshes, expiry warnings) runs.
    upkeep_interval_seconds: float = Field(default=300, gt=0)
