"""The LinkedIn client the registry builds: OAuth and data over one rate-limited HTTP client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx

from shared import clock
from shared.platforms.config import via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.linkedin.data import LinkedInData
from shared.platforms.linkedin.errors import classify
from shared.platforms.linkedin.oauth import LinkedInOAuth
from shared.platforms.linkedin.settings import PLATFORM, Settings
from shared.platforms.resilience import RefusedMetrics


class LinkedInClient(LinkedInOAuth, LinkedInData):
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
        )
        self.refused = RefusedMetrics()
        #: Which day it is (UTC) for the date windows; tests pin it.
        self.today: Callable[[], date] = clock.today


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> LinkedInClient:
    return LinkedInClient(settings or Settings(), http, emulator_url=emulator_url)
