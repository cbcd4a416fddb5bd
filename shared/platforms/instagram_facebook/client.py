"""The client of Instagram via Facebook Login (``LSA_INSTAGRAM_LOGIN=facebook``)."""

from __future__ import annotations

import httpx

from shared.platforms.facebook.errors import graph_classifier
from shared.platforms.facebook.oauth import login_for
from shared.platforms.http import PlatformHttp
from shared.platforms.instagram_facebook.data import InstagramFacebookData
from shared.platforms.instagram_facebook.oauth import InstagramFacebookOAuth
from shared.platforms.instagram_facebook.settings import PLATFORM, Settings


class InstagramFacebookClient(InstagramFacebookOAuth, InstagramFacebookData):
    platform = PLATFORM

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        super().__init__(settings)
        self.http = PlatformHttp.from_settings(
            PLATFORM, client, graph_classifier(PLATFORM), settings
        )
        self.login = login_for(self.http, settings, emulator_url=emulator_url)


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> InstagramFacebookClient:
    return InstagramFacebookClient(settings or Settings(), http, emulator_url=emulator_url)
