"""Which package serves which platform, and the contract every platform package fulfils.

A platform is one package here (``shared/platforms/<name>/``, split by concern: ``settings``,
``errors``, ``oauth``, ``data``, ``parsing``, ``client``) plus its emulator part
(``emulator/<name>/``). The package exposes:

* ``PLATFORM`` — its :class:`~shared.platforms.Platform`;
* ``Settings`` — a :class:`~shared.platforms.config.PlatformSettings` subclass read from
  ``LSA_<NAME>_*`` (credentials, endpoints, API versions, scopes, limits);
* ``DEV_CLIENT_SECRET`` — the emulator's demo secret (refused by the connector outside dev);
* ``build(http, *, emulator_url)`` — a client satisfying :class:`PlatformClient`.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Protocol

import httpx

from shared.events.snapshots import SnapshotMetrics
from shared.platforms import Platform
from shared.platforms.base import AccountIdentity, HistoryPoint, RefreshPolicy, TokenGrant
from shared.settings import refuse_placeholder_secrets

MODULES: dict[Platform, str] = {
    Platform.INSTAGRAM: "shared.platforms.instagram",
    Platform.TIKTOK: "shared.platforms.tiktok",
    Platform.YOUTUBE: "shared.platforms.youtube",
    Platform.X: "shared.platforms.x",
    Platform.LINKEDIN: "shared.platforms.linkedin",
    Platform.FACEBOOK: "shared.platforms.facebook",
}


class PlatformClient(Protocol):
    platform: Platform
    #: Whether authorization uses PKCE (S256); the connector then keeps the verifier.
    supports_pkce: bool
    #: How the connector keeps this platform's tokens alive.
    refresh_policy: RefreshPolicy

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str: ...

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        """Code → tokens, including any long-lived exchange the platform requires."""
        ...

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A new grant; ``refresh_token`` is None in the answer when the platform kept it."""
        ...

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Revoke at the platform; False when the platform offers no revocation."""
        ...

    async def identity(self, access_token: str) -> AccountIdentity: ...

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        """Today's counters, recent items with their metrics, and what the platform refused."""
        ...

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """Daily history the platform can still give (empty where it gives none)."""
        ...


class UnknownPlatform(LookupError):
    pass


def _module(platform: Platform) -> ModuleType | None:
    name = MODULES[platform]
    if platform is Platform.INSTAGRAM:
        from shared.platforms.instagram import Settings as InstagramSettings

        if InstagramSettings().login == "facebook":
            name = "shared.platforms.instagram_facebook"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:  # that platform is not built (yet): simply not offered
            return None
        raise


def build_clients(
    http: httpx.AsyncClient, *, emulator_url: str | None, require_credentials: bool = False
) -> dict[Platform, PlatformClient]:
    """Clients for every enabled platform, configured from the environment.

    ``require_credentials`` (the connector outside the dev profile) refuses a platform whose
    client secret is empty or still the emulator's demo secret; the ingestor never needs them.
    """
    clients: dict[Platform, PlatformClient] = {}
    for platform in Platform:
        module = _module(platform)
        if module is None:
            continue
        settings = module.Settings()
        if not settings.enabled:
            continue
        if require_credentials:
            refuse_placeholder_secrets(settings, frozenset({module.DEV_CLIENT_SECRET}))
        client: PlatformClient = module.build(http, emulator_url=emulator_url, settings=settings)
        clients[platform] = client
    return clients


def parse_platform(name: str, clients: dict[Platform, PlatformClient]) -> Platform:
    try:
        platform = Platform(name.lower())
    except ValueError as error:
        raise UnknownPlatform(name) from error
    if platform not in clients:
        raise UnknownPlatform(name)
    return platform
