"""The documented internal call to the connector: borrow a connection's access token.

The ingestor never stores tokens; it asks for one per sync, with the service credential.
"""

from __future__ import annotations

import uuid

import httpx

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError


class ConnectorClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, service_token: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {service_token}"}

    async def access_token(
        self, connection_id: uuid.UUID, platform: Platform, *, refresh: bool = False
    ) -> str:
        """The connection's access token; ``refresh=True`` after the platform refused it.

        Raises :class:`ConnectionGone` (disconnected), or a PlatformError: reauth_required
        (409: the client must reconnect) or transient (503: the refresh can be tried later).
        """
        response = await self._http.get(
            f"{self._base}/internal/connections/{connection_id}/access-token",
            params={"refresh": "true"} if refresh else None,
            headers=self._headers,
        )
        if response.status_code == 404:
            raise ConnectionGone(str(connection_id))
        if response.status_code == 409:
            raise PlatformError(platform, ErrorClass.REAUTH_REQUIRED, _detail(response))
        if response.status_code == 503:
            retry_after = float(response.headers.get("retry-after") or 60)
            raise PlatformError(
                platform, ErrorClass.TRANSIENT, _detail(response), retry_after=retry_after
            )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


class ConnectionGone(LookupError):
    """The connector no longer has this connection (disconnected meanwhile)."""


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))[:500]
    except ValueError:
        return response.text[:500]
