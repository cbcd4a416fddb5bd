"""The YouTube client the registry builds: OAuth and data over one rate-limited HTTP client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from shared import clock
from shared.platforms.config import via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics
from shared.platforms.youtube.data import YouTubeData
from shared.platforms.youtube.errors import classify
from shared.platforms.youtube.oauth import YouTubeOAuth
from shared.platforms.youtube.settings import PLATFORM, Settings

Clock = Callable[[], datetime]


class YouTubeClient(YouTubeOAuth, YouTubeData):
    platform = PLATFORM

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        emulator_url: str | None = None,
        clock: Clock = clock.now,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.revoke_endpoint = via_emulator(settings.revoke_url, emulator_url)
        self.data_api = via_emulator(settings.data_api_url, emulator_url).rstrip("/")
        self.analytics = via_emulator(settings.analytics_url, emulator_url).rstrip("/")
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            lambda response: classify(response, now=self.clock()),
            settings,
        )
        self.refused = RefusedMetrics()
        #: Data API units asked for, one charge per call (Google also charges failed calls and
        #: retried attempts; those are not counted here).
        self.units_used = 0


def build(
    http: httpx.AsyncClient,
    *,
    emulator_url: str | None,
    settings: Settings | None = None,
    clock: Clock = clock.now,
) -> YouTubeClient:
    return YouTubeClient(settings or Settings(), http, emulator_url=emulator_url, clock=clock)
