"""The Facebook Pages client the registry builds: the Pages grant and data over Facebook Login."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from shared import clock
from shared.platforms.facebook.data import FacebookPagesData
from shared.platforms.facebook.errors import graph_classifier
from shared.platforms.facebook.oauth import FacebookPagesOAuth, login_for
from shared.platforms.facebook.settings import PLATFORM, Settings
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics


class FacebookPagesClient(FacebookPagesOAuth, FacebookPagesData):
    platform = PLATFORM

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.http = PlatformHttp.from_settings(
            PLATFORM, client, graph_classifier(PLATFORM), settings
        )
        self.login = login_for(self.http, settings, emulator_url=emulator_url)
        self.refused = RefusedMetrics()
        #: Seconds since the epoch; replaceable so tests can pin the insights windows.
        self.clock: Callable[[], float] = clock.timestamp


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> FacebookPagesClient:
    return FacebookPagesClient(settings or Settings(), http, emulator_url=emulator_url)
