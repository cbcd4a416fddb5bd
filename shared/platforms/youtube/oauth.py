"""Google OAuth for YouTube: consent URL (PKCE, offline access), code exchange, refresh, revoke."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant, int_or_none
from shared.platforms.http import PlatformHttp
from shared.platforms.youtube.settings import PLATFORM, Settings


class YouTubeOAuth:
    """The token side of :class:`~shared.platforms.youtube.client.YouTubeClient`."""

    supports_pkce = True
    #: Google refresh tokens do not rotate; an answer without one keeps the stored one.
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
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": self.settings.scopes,
            "state": state,
            "access_type": "offline",  # a refresh token ...
            "prompt": "consent",  # ... on every connection, not only the very first one
            "include_granted_scopes": "true",
        }
        if code_challenge:
            query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        form = {
            "code": code,
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret.get_secret_value(),
            "redirect_uri": redirect_uri,
            "grant_type": "authorization_code",
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        try:
            body = await self.http.json("POST", self.token_endpoint, data=form)
        except PlatformError as error:
            if error.error_class is ErrorClass.REAUTH_REQUIRED:  # a bad or used code
                raise PlatformError(
                    PLATFORM,
                    ErrorClass.PERMISSION_OR_INPUT,
                    f"authorization code refused: {error.message}",
                    status=error.status,
                    code=error.code,
                ) from error
            raise
        return token_grant(body)

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A new access token; ``refresh_token`` in the grant is None when Google kept it."""
        if not refresh_token:
            raise PlatformError(
                PLATFORM, ErrorClass.REAUTH_REQUIRED, "no refresh token stored: reconnect"
            )
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret.get_secret_value(),
                "refresh_token": refresh_token,
                "grant_type": "refresh_token",
            },
        )
        return token_grant(body)

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Revoke the grant (the refresh token when known: that ends every token of it)."""
        try:
            await self.http.request(
                "POST", self.revoke_endpoint, data={"token": refresh_token or access_token}
            )
        except PlatformError as error:
            if error.code == "invalid_token":  # already expired or revoked: nothing left
                return True
            raise
        return True


def token_grant(body: Any) -> TokenGrant:
    """Google's token answer; ``refresh_token`` is absent on most refreshes (keep the old one)."""
    if not isinstance(body, dict) or not body.get("access_token"):
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
    scope = body.get("scope")
    return TokenGrant(
        access_token=str(body["access_token"]),
        expires_in=int_or_none(body.get("expires_in")),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        refresh_expires_in=int_or_none(body.get("refresh_token_expires_in")),
        scopes=tuple(str(scope).split()) if scope else (),
    )
