"""TikTok Login Kit v2: consent URL (PKCE), code exchange, rotating refresh, revoke."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant
from shared.platforms.http import PlatformHttp
from shared.platforms.tiktok.errors import classify_answer
from shared.platforms.tiktok.parsing import int_or_none
from shared.platforms.tiktok.settings import PLATFORM, Settings


class TikTokOAuth:
    """The token side of :class:`~shared.platforms.tiktok.client.TikTokClient`."""

    supports_pkce = True
    #: A refresh token (rotating) keeps the connection alive; the access token cannot.
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
            "client_key": self.settings.client_id,
            "response_type": "code",
            "scope": self.settings.scopes,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        if code_challenge:
            query.update(code_challenge=code_challenge, code_challenge_method="S256")
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        """Code → access + refresh token. A refused code is an input error, not a reconnect."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        try:
            return await self._token(form)
        except PlatformError as error:
            if error.error_class is not ErrorClass.REAUTH_REQUIRED:
                raise
            raise PlatformError(
                PLATFORM,
                ErrorClass.PERMISSION_OR_INPUT,
                error.message,
                status=error.status,
                code=error.code,
            ) from error

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A new access token *and a new refresh token*: the one sent is dead afterwards."""
        if not refresh_token:
            raise PlatformError(PLATFORM, ErrorClass.REAUTH_REQUIRED, "no refresh token stored")
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Disconnect the app from the account (TikTok revokes by access token)."""
        body = await self.http.json(
            "POST", self.revoke_endpoint, data=self._client_form(token=access_token)
        )
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            raise classify_answer(200, body)
        return True

    def _client_form(self, **fields: str) -> dict[str, str]:
        return {
            "client_key": self.settings.client_id,
            "client_secret": self.settings.client_secret.get_secret_value(),
            **fields,
        }

    async def _token(self, form: dict[str, str]) -> TokenGrant:
        body = await self.http.json("POST", self.token_endpoint, data=self._client_form(**form))
        return parse_token_answer(body)


def parse_token_answer(body: Any) -> TokenGrant:
    """v2 ``{access_token, expires_in, open_id, refresh_token, refresh_expires_in, scope}``.

    Also accepts the older ``{"data": {...}}`` wrapping; an error body (even in an HTTP 200)
    is raised as the matching error class.
    """
    if isinstance(body, dict) and isinstance(body.get("data"), dict) and "access_token" not in body:
        inner = body["data"]
        if inner.get("error_code") not in (None, 0) and "access_token" not in inner:
            message = str(inner.get("description") or "token request refused")
            code = str(inner.get("error_code"))
            raise PlatformError(PLATFORM, ErrorClass.PERMISSION_OR_INPUT, message, code=code)
        body = inner
    if not isinstance(body, dict):
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer is not a JSON object")
    if not body.get("access_token"):
        if body.get("error"):
            raise classify_answer(200, body)
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
    scope = body.get("scope")
    return TokenGrant(
        access_token=str(body["access_token"]),
        expires_in=int_or_none(body.get("expires_in")),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        refresh_expires_in=int_or_none(body.get("refresh_expires_in")),
        scopes=tuple(s.strip() for s in str(scope).split(",") if s.strip()) if scope else (),
        platform_user_id=str(body["open_id"]) if body.get("open_id") else None,
    )
