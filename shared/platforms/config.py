"""Per-platform configuration: credentials, endpoints, versions, limits.

Every URL is configurable so production points at the real platform; ``LSA_PLATFORM_EMULATOR_URL``
reroutes all of them to the emulator at once (``https://HOST/PATH`` → ``{emulator}/HOST/PATH``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The emulator's demo credentials: fine in dev, refused by the connector in production.
DEV_PLATFORM_SECRETS = frozenset({"lsa-dev-instagram-secret"})


def via_emulator(url: str, emulator_url: str | None) -> str:
    if not emulator_url:
        return url
    parts = urlsplit(url)
    return f"{emulator_url.rstrip('/')}/{parts.netloc}{parts.path}"


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    enabled: bool = True
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    #: Client-side limit, kept under the platform's published one.
    requests_per_minute: int = 300
    timeout_seconds: float = 20.0
    max_retries: int = 3
    #: How many pages of posts/videos to read per sync at most.
    max_pages: int = 2
    page_size: int = 25


class InstagramSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_INSTAGRAM_", extra="ignore")

    client_id: str = "lsa-dev-instagram-app"
    client_secret: SecretStr = SecretStr("lsa-dev-instagram-secret")
    authorize_url: str = "https://www.instagram.com/oauth/authorize"
    token_url: str = "https://api.instagram.com/oauth/access_token"  # noqa: S105
    graph_url: str = "https://graph.instagram.com"
    api_version: str = "v23.0"
    scopes: str = "instagram_business_basic,instagram_business_manage_insights"
    #: Meta's business use-case limit is far higher; this keeps one account's syncs polite.
    requests_per_minute: int = 200
