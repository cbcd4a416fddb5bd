"""The TikTok client the registry builds: OAuth and data over one rate-limited HTTP client."""

from __future__ import annotations

import httpx

from shared.platforms.config import via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics
from shared.platforms.tiktok.data import TikTokData
from shared.platforms.tiktok.errors import classify, inspect_envelope
from shared.platforms.tiktok.oauth import TikTokOAuth
from shared.platforms.tiktok.settings import PLATFORM, Settings


class TikTokClient(TikTokOAuth, TikTokData):
    platform = PLATFORM

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.revoke_endpoint = via_emulator(settings.revoke_url, emulator_url)
        self.api = via_emulator(settings.api_url, emulator_url).rstrip("/")
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            classify,
            settings,
            inspect=inspect_envelope,
        )
        self.refused = RefusedMetrics()


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> TikTokClient:
    return TikTokClient(settings or Settings(), http, emulator_url=emulator_url)
