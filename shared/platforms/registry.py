"""Which client serves which platform (one entry per platform module)."""

from __future__ import annotations

from typing import Protocol

import httpx

from shared.platforms import Platform
from shared.platforms.base import AccountIdentity, SnapshotData, TokenGrant
from shared.platforms.config import DEV_PLATFORM_SECRETS, InstagramSettings
from shared.platforms.instagram import InstagramClient
from shared.settings import refuse_placeholder_secrets


class PlatformClient(Protocol):
    platform: Platform
    supports_pkce: bool

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str: ...

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant: ...

    async def refresh(
        self, *, access_token: str, refresh_token: str | None = None
    ) -> TokenGrant: ...

    async def revoke(self, *, access_token: str) -> bool: ...

    async def identity(self, access_token: str) -> AccountIdentity: ...

    async def fetch_snapshot(self, access_token: str) -> SnapshotData: ...


class UnknownPlatform(LookupError):
    pass


def build_clients(
    http: httpx.AsyncClient, *, emulator_url: str | None, require_credentials: bool = False
) -> dict[Platform, PlatformClient]:
    """Clients for every enabled platform, configured from the environment.

    ``require_credentials`` (the connector outside the dev profile) refuses a platform whose
    client secret is empty or still the dev default; the ingestor never needs the secrets.
    """
    clients: dict[Platform, PlatformClient] = {}
    instagram = InstagramSettings()
    if instagram.enabled and require_credentials:
        refuse_placeholder_secrets(instagram, DEV_PLATFORM_SECRETS)
    if instagram.enabled:
        clients[Platform.INSTAGRAM] = InstagramClient(instagram, http, emulator_url=emulator_url)
    return clients


def parse_platform(name: str, clients: dict[Platform, PlatformClient]) -> Platform:
    try:
        platform = Platform(name.lower())
    except ValueError as error:
        raise UnknownPlatform(name) from error
    if platform not in clients:
        raise UnknownPlatform(name)
    return platform
