"""Instagram Login: consent URL, code → long-lived token (``ig_exchange_token``), refresh."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant, int_or_none
from shared.platforms.http import PlatformHttp
from shared.platforms.instagram.settings import PLATFORM, Settings


class InstagramOAuth:
    """The token side of :class:`~shared.platforms.instagram.client.InstagramClient`."""

    supports_pkce = False
    #: No refresh token: the long-lived token refreshes itself, once it is 24 h old.
    refresh_policy = RefreshPolicy(with_access_token=True, min_age=timedelta(hours=24))
    settings: Settings
    http: PlatformHttp
    authorize_endpoint: str
    token_endpoint: str
    graph: str

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        query = {
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": self.settings.scopes,
            "state": state,
        }
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret.get_secret_value(),
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code.removesuffix("#_"),
            },
        )
        short = _unwrap_token_answer(body)
        long_lived = await self.http.json(
            "GET",
            f"{self.graph}/access_token",
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": self.settings.client_secret.get_secret_value(),
                "access_token": short["access_token"],
            },
        )
        return TokenGrant(
            access_token=str(long_lived["access_token"]),
            expires_in=int_or_none(long_lived.get("expires_in")),
            scopes=_permissions(short.get("permissions")),
            platform_user_id=str(short["user_id"]) if short.get("user_id") else None,
        )

    async def refresh(self, *, access_token: str, refresh_token: str | None = None) -> TokenGrant:
        """A new 60-day token; Instagram refuses tokens younger than 24 h or already expired."""
        body = await self.http.json(
            "GET",
            f"{self.graph}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": access_token},
        )
        return TokenGrant(
            access_token=str(body["access_token"]), expires_in=int_or_none(body.get("expires_in"))
        )

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Instagram Login documents no revoke endpoint: the token simply stops being used."""
        return False


def _unwrap_token_answer(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        body = body["data"][0]
    if not isinstance(body, dict) or "access_token" not in body:
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
    return body


def _permissions(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return ()
