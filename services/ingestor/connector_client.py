"""The documented internal calls to the connector: borrow connections' access tokens.

The ingestor never stores tokens; it borrows them for its syncs, with the service credential:

* ``GET /internal/connections/{id}/access-token[?refresh=true]`` → one connection's
  ``{connection_id, platform, platform_user_id, access_token, expires_at}``; 404 disconnected,
  409 re-authorization required, 503 (``Retry-After``) refresh failed for now. ``refresh=true``
  forces a refresh after the platform refused the token.
* ``POST /internal/access-tokens`` with ``{"connection_ids": [...]}`` (1 to
  :data:`~shared.token_lending.MAX_TOKEN_BATCH` ids) → 200
  ``{"tokens": [grant, ...], "unavailable": [{connection_id, reason, detail, retry_after}, ...]}``
  for a whole batch of syncs in one call (and one query at the connector) instead of one call
  per sync. Every id lands in exactly one list; ``reason`` is ``gone`` / ``reauth_required`` /
  ``retry_later``, the single call's 404 / 409 / 503.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.token_lending import MAX_TOKEN_BATCH

#: The longest explanation of a refusal kept from the connector's answer.
DETAIL_LENGTH = 500
#: Seconds to wait when the connector asks to retry later without saying how long.
DEFAULT_RETRY_AFTER = 60.0


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
            retry_after = float(response.headers.get("retry-after") or DEFAULT_RETRY_AFTER)
            raise PlatformError(
                platform, ErrorClass.TRANSIENT, _detail(response), retry_after=retry_after
            )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    async def access_tokens(
        self, connection_ids: Sequence[uuid.UUID], platforms: Mapping[uuid.UUID, Platform]
    ) -> dict[uuid.UUID, str | Exception]:
        """The access tokens of a batch of syncs, in one call per :data:`MAX_TOKEN_BATCH` ids
        (the connector's limit; a bigger batch is sent in several calls).

        Each distinct id maps to its token, or to the exception :meth:`access_token` would have
        raised for it alone — :class:`ConnectionGone`, or a PlatformError ``reauth_required`` or
        ``transient`` (with ``retry_after``) — so callers keep one way of handling a failed
        borrow. ``platforms`` names each id's platform (for those PlatformErrors). A failure of
        the call itself raises: :class:`ConnectorUnavailable` for a 5xx, ``HTTPStatusError``
        for another non-2xx, transport errors as they are. There is no
        forced refresh here: after a refusal, use :meth:`access_token` with ``refresh=True``.
        An empty batch makes no call.
        """
        wanted = list(dict.fromkeys(connection_ids))
        unnamed = [str(c) for c in wanted if c not in platforms]
        if unnamed:
            raise ValueError(f"no platform given for connections: {', '.join(unnamed)}")
        borrowed: dict[uuid.UUID, str | Exception] = {}
        for start in range(0, len(wanted), MAX_TOKEN_BATCH):
            chunk = wanted[start : start + MAX_TOKEN_BATCH]
            response = await self._http.post(
                f"{self._base}/internal/access-tokens",
                json={"connection_ids": [str(c) for c in chunk]},
                headers=self._headers,
            )
            if response.status_code >= 500:
                raise ConnectorUnavailable(f"connector answered {response.status_code}")
            response.raise_for_status()
            body = response.json()
            for grant in body["tokens"]:
                borrowed[uuid.UUID(grant["connection_id"])] = grant["access_token"]
            for entry in body["unavailable"]:
                connection_id = uuid.UUID(entry["connection_id"])
                borrowed[connection_id] = _unavailable(
                    connection_id, platforms[connection_id], entry
                )
            missing = [str(c) for c in chunk if c not in borrowed]
            if missing:
                raise ValueError(f"the connector left out connections: {', '.join(missing)}")
        return {c: borrowed[c] for c in wanted}


class ConnectionGone(LookupError):
    """The connector no longer has this connection (disconnected meanwhile)."""


class ConnectorUnavailable(ConnectionError):
    """The connector failed a whole batch call (5xx): the batch waits and comes back.

    A ``ConnectionError``, so the consumer policy nacks and redelivers instead of parking the
    sync requests of a whole batch as if they were bad.
    """


def _unavailable(
    connection_id: uuid.UUID, platform: Platform, entry: Mapping[str, Any]
) -> Exception:
    """The exception the single call raises for the status this ``reason`` stands for."""
    reason, detail = entry.get("reason"), str(entry.get("detail") or "")[:DETAIL_LENGTH]
    if reason == "gone":
        return ConnectionGone(str(connection_id))
    if reason == "reauth_required":
        return PlatformError(platform, ErrorClass.REAUTH_REQUIRED, detail)
    # "retry_later", and any reason this client does not know yet: waiting is the safe answer.
    retry_after = float(entry.get("retry_after") or DEFAULT_RETRY_AFTER)
    return PlatformError(platform, ErrorClass.TRANSIENT, detail, retry_after=retry_after)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))[:DETAIL_LENGTH]
    except ValueError:
        return response.text[:DETAIL_LENGTH]
