"""What every platform's settings have in common, and the emulator rerouting.

Each platform module defines its own ``Settings`` (``LSA_<NAME>_*``) on top of
:class:`PlatformSettings`. Every URL is configurable so production points at the real platform;
``LSA_PLATFORM_EMULATOR_URL`` reroutes all of them at once (``https://HOST/PATH`` →
``{emulator}/HOST/PATH``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    #: Client-side limit per account (credential), sized under the platform's published one.
    requests_per_minute: int = 300
    #: Optional limit for the whole app across accounts (where a platform publishes one).
    app_requests_per_minute: int | None = None
    timeout_seconds: float = 20.0
    #: Retries of transient failures only (never of permission or input errors).
    max_retries: int = 3
    #: How many pages of posts/videos one sync reads at most.
    max_pages: int = 2
    page_size: int = 25
