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

    async def access_token(self, connection_id: uuid.UUID, platform: Platform) -> str:
        response = await self._http.get(
            f"{self._base}/internal/connections/{connection_id}/access-token",
            headers=self._headers,
        )
        if response.status_code == 404:
            raise PlatformError(
                platform, ErrorClass.REAUTH_REQUIRED, "connection is not active at the connector"
            )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token
