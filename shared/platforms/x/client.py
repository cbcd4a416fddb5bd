"""The X client the registry builds: OAuth and data over one rate-limited HTTP client."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from shared import clock
from shared.platforms.config import via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics
from shared.platforms.x.data import XData
from shared.platforms.x.errors import classify
from shared.platforms.x.oauth import XOAuth
from shared.platforms.x.settings import PLATFORM, Settings

Clock = Callable[[], float]


class XClient(XOAuth, XData):
    platform = PLATFORM

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.revoke_endpoint = via_emulator(settings.revoke_url, emulator_url)
        self.api = via_emulator(settings.api_url, emulator_url).rstrip("/")
        #: Wall clock for turning ``x-rate-limit-reset`` into a wait; tests replace it.
        self.clock: Clock = clock.timestamp
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            lambda response: classify(response, now=self.clock()),
            settings,
        )
        self.refused = RefusedMetrics()


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> XClient:
    return XClient(settings or Settings(), http, emulator_url=emulator_url)
