"""LinkedIn OAuth 2.0: consent URL (no PKCE), code exchange, partner-only refresh, revoke."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant, int_or_none
from shared.platforms.http import PlatformHttp
from shared.platforms.linkedin.settings import PLATFORM, Settings


class LinkedInOAuth:
    """The token side of :class:`~shared.platforms.linkedin.client.LinkedInClient`."""

    supports_pkce = False
    #: Refreshable only with a partner-programme refresh token; otherwise dies at 60 days.
    refresh_policy = RefreshPolicy()
    settings: Settings
    http: PlatformHttp
    authorize_endpoint: str
    token_endpoint: str
    revoke_endpoint: str

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": " ".join(self.settings.scope_list()),
        }
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    def _client_form(self) -> dict[str, str]:
        return {
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret.get_secret_value(),
        }

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                **self._client_form(),
            },
        )
        return token_grant(body)

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A new 60-day access token; only approved partners have a refresh token at all."""
        if not refresh_token:
            raise PlatformError(
                PLATFORM,
                ErrorClass.REAUTH_REQUIRED,
                "no refresh token (LinkedIn issues them to approved partners only): "
                "the member must reconnect before the 60-day access token expires",
            )
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                **self._client_form(),
            },
        )
        return token_grant(body)

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """``POST /oauth/v2/revoke`` (documented for LinkedIn's newer OAuth apps ⚠)."""
        await self.http.request(
            "POST", self.revoke_endpoint, data={"token": access_token, **self._client_form()}
        )
        return True


def token_grant(body: Any) -> TokenGrant:
    """Token answer → grant; the scope is comma-separated (space-separated also accepted)."""
    if not isinstance(body, dict) or "access_token" not in body:
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
    scope = str(body.get("scope") or "")
    return TokenGrant(
        access_token=str(body["access_token"]),
        expires_in=int_or_none(body.get("expires_in")),
        refresh_token=body.get("refresh_token") or None,
        refresh_expires_in=int_or_none(body.get("refresh_token_expires_in")),
        scopes=tuple(s for s in scope.replace(",", " ").split() if s),
    )
