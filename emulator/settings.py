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
    natural_rate_limits: bool = True
    """Enforce the platforms' own per-account windows (X's 15-minute limits). The benchmark
    turns this off: thousands of its connections share a handful of demo accounts."""
    meta_app_calls_per_hour: int = 50_000
    """Budget behind Meta's ``X-App-Usage`` percentages (clients pause near 100 %)."""
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

    # Demo app credentials and token lifetimes of the other platforms (the lifetimes are what the
    # platforms' newer documentation states; clients must read them from the answers anyway).
    tiktok_client_key: str = "lsa-dev-tiktok-app"
    tiktok_client_secret: str = "lsa-dev-tiktok-secret"  # noqa: S105 - dev default
    tiktok_access_token_ttl_s: int = 7200
    tiktok_refresh_token_ttl_s: int = 15552000
    youtube_client_id: str = "lsa-dev-youtube-app.apps.googleusercontent.com"
    youtube_client_secret: str = "lsa-dev-youtube-secret"  # noqa: S105 - dev default
    youtube_access_token_ttl_s: int = 3599
    youtube_daily_quota_units: int = 10000
    x_client_id: str = "lsa-dev-x-app"
    x_client_secret: str = "lsa-dev-x-secret"  # noqa: S105 - dev default
    x_access_token_ttl_s: int = 7200
    linkedin_client_id: str = "lsa-dev-linkedin-app"
    linkedin_client_secret: str = "lsa-dev-linkedin-secret"  # noqa: S105 - dev default
    linkedin_access_token_ttl_s: int = 5184000
    linkedin_issue_refresh_tokens: bool = False
    """Refresh tokens exist only for LinkedIn's approved partners (365 days, not extended)."""
    linkedin_refresh_token_ttl_s: int = 31536000
    facebook_app_id: str = "lsa-dev-facebook-app"
    facebook_app_secret: str = "lsa-dev-facebook-secret"  # noqa: S105 - dev default
    facebook_short_token_ttl_s: int = 5400
    facebook_long_token_ttl_s: int = 5184000
