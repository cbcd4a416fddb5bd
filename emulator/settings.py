"""Emulator settings, read from ``LSA_EMULATOR_*`` environment variables."""

from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict


class EmulatorSettings(BaseSettings):
    """Knobs for determinism (``today``), speed (``latency_ms``) and real-world API variants."""

    model_config = SettingsConfigDict(env_prefix="LSA_EMULATOR_", extra="ignore")

    latency_ms: float = 0
    """Added to every platform response so benchmarks see network-like delays."""
    today: date | None = None
    """Fixes the metrics date for deterministic tests; ``None`` means the real UTC date."""
    signing_key: str = "emulator-dev-signing-key"
    """HMAC key for stateless codes and tokens: a restart does not invalidate them."""

    instagram_client_id: str = "lsa-dev-instagram-app"
    instagram_client_secret: str = "lsa-dev-instagram-secret"  # noqa: S105 - dev default
    instagram_min_refresh_age_s: int = 86400
    """Instagram refuses to refresh a token younger than 24 h; tests lower it."""
    instagram_short_token_ttl_s: int = 3600
    instagram_long_token_ttl_s: int = 5184000
    instagram_token_response_wrapped: bool = False
    """Real-world variant: the code-exchange answer wrapped as ``{"data": [{...}]}``."""
    instagram_permissions_as_list: bool = False
    """Real-world variant: ``permissions`` as a JSON list instead of a comma string."""
