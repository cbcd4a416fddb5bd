"""X OAuth 2.0: consent URL (PKCE required), code exchange, single-use refresh tokens, revoke."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant, int_or_none
from shared.platforms.http import PlatformHttp
from shared.platforms.x.errors import XApiError
from shared.platforms.x.settings import PLATFORM, Settings

_REFRESH_DEAD = frozenset({"invalid_request", "invalid_grant"})


class XOAuth:
    """The token side of :class:`~shared.platforms.x.client.XClient`."""

    supports_pkce = True
    #: 2-hour access tokens; single-use refresh tokens that rotate on every refresh.
    refresh_policy = RefreshPolicy()
    settings: Settings
    http: PlatformHttp
    authorize_endpoint: str
    token_endpoint: str
    revoke_endpoint: str

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        if not code_challenge:
            raise ValueError("X requires PKCE: pass the S256 code_challenge")
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.settings.scopes,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        if not code_verifier:
            raise ValueError("X requires PKCE: pass the code_verifier")
        body = await self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        return token_grant(body)

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A new access token and a new refresh token: store the new refresh token at once."""
        if not refresh_token:
            raise PlatformError(
                PLATFORM, ErrorClass.REAUTH_REQUIRED, "no refresh token (offline.access missing)"
            )
        try:
            body = await self._token_call(
                {"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
        except XApiError as error:
            if error.status == 400 and error.problem in _REFRESH_DEAD:
                raise XApiError(
                    ErrorClass.REAUTH_REQUIRED,
                    f"refresh token refused: {error.message}",
                    status=error.status,
                    problem=error.problem,
                ) from error
            raise
        return token_grant(body)

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Revoke the refresh token (ending the grant) and the access token."""
        tokens = [(refresh_token, "refresh_token"), (access_token, "access_token")]
        for token, hint in tokens:
            if token:
                await self.http.json(
                    "POST",
                    self.revoke_endpoint,
                    data={"token": token, "token_type_hint": hint, **self._client_id_field()},
                    auth=self._client_auth(),
                )
        return True

    async def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={**form, **self._client_id_field()},
            auth=self._client_auth(),
        )
        if not isinstance(body, dict) or "access_token" not in body:
            raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
        return body

    def _client_auth(self) -> httpx.BasicAuth | None:
        """Confidential clients use Basic auth; public clients (no secret) only send client_id."""
        secret = self.settings.client_secret.get_secret_value()
        return httpx.BasicAuth(self.settings.client_id, secret) if secret else None

    def _client_id_field(self) -> dict[str, str]:
        return {"client_id": self.settings.client_id}


def token_grant(body: dict[str, Any]) -> TokenGrant:
    scope = body.get("scope")
    return TokenGrant(
        access_token=str(body["access_token"]),
        expires_in=int_or_none(body.get("expires_in")),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        scopes=tuple(str(scope).split()) if scope else (),
    )
