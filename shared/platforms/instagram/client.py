"""The Instagram Login client the registry builds: OAuth and data over one HTTP client."""

from __future__ import annotations

import httpx

from shared.platforms.config import via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.instagram.data import InstagramLoginData
from shared.platforms.instagram.errors import classify
from shared.platforms.instagram.oauth import InstagramOAuth
from shared.platforms.instagram.settings import PLATFORM, Settings
from shared.platforms.meta import MetaUsage


class InstagramClient(InstagramOAuth, InstagramLoginData):
    platform = PLATFORM

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        super().__init__(settings)
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.graph = via_emulator(settings.graph_url, emulator_url).rstrip("/")
        self.usage = MetaUsage(PLATFORM)
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            lambda response: classify(PLATFORM, response),
            settings,
            observe=self.usage.observe,
            gate=self.usage.gate,
        )


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> InstagramClient:
    return InstagramClient(settings or Settings(), http, emulator_url=emulator_url)
