"""Facebook Login (shared with Instagram via Facebook Login) and the Pages grant built on it.

:class:`FacebookLogin` is the dialog, the code → long-lived user token exchange, the granted
scopes and the revoke; :class:`FacebookPagesOAuth` turns its user token into a Page grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant, int_or_none
from shared.platforms.config import via_emulator
from shared.platforms.facebook.errors import reauth_when_expired
from shared.platforms.facebook.settings import PLATFORM, FacebookLoginSettings
from shared.platforms.http import PlatformHttp


@dataclass(frozen=True)
class UserToken:
    """A long-lived user token, its lifetime, and the permissions the person granted."""

    token: str
    expires_in: int | None
    scopes: tuple[str, ...]


class FacebookLogin:
    """Facebook Login for one app: dialog URL, code → long-lived user token, scopes, revoke."""

    def __init__(
        self,
        http: PlatformHttp,
        *,
        client_id: str,
        client_secret: SecretStr,
        dialog_url: str,
        graph: str,
        scopes: str,
    ) -> None:
        self.http = http
        self.client_id = client_id
        self.client_secret = client_secret
        self.dialog_url = dialog_url
        self.graph = graph
        self.scopes = scopes

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": self.scopes,
            "response_type": "code",
        }
        return f"{self.dialog_url}?{urlencode(query)}"

    async def get(self, path: str, token: str, params: dict[str, Any] | None = None) -> Any:
        return await self.http.json(
            "GET",
            f"{self.graph}/{path.lstrip('/')}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def long_lived_token(self, *, code: str, redirect_uri: str) -> dict[str, Any]:
        """Code → short-lived user token (about 1-2 h) → long-lived one (about 60 days)."""
        short = await self.http.json(
            "GET",
            f"{self.graph}/oauth/access_token",
            params={
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "client_secret": self.client_secret.get_secret_value(),
                "code": code,
            },
        )
        return await self.exchange(_access_token(short))

    async def connect(self, *, code: str, redirect_uri: str) -> UserToken:
        """The code → a long-lived user token, with what the person actually granted."""
        user = await self.long_lived_token(code=code, redirect_uri=redirect_uri)
        token = str(user["access_token"])
        scopes = await self.granted_scopes(token)
        return UserToken(token, int_or_none(user.get("expires_in")), scopes)

    async def exchange(self, user_token: str) -> dict[str, Any]:
        """``fb_exchange_token``: a long-lived user token (re-exchangeable while valid ⚠)."""
        body = await self.http.json(
            "GET",
            f"{self.graph}/oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret.get_secret_value(),
                "fb_exchange_token": user_token,
            },
        )
        _access_token(body)
        return dict(body)

    async def granted_scopes(self, user_token: str) -> tuple[str, ...]:
        """What the person granted: Facebook lets them untick permissions in the dialog."""
        body = await self.get("me/permissions", user_token)
        return tuple(
            str(p["permission"])
            for p in body.get("data", [])
            if isinstance(p, dict) and p.get("status") == "granted" and p.get("permission")
        )

    async def pages(self, user_token: str, fields: str) -> list[dict[str, Any]]:
        """The Pages the person manages (first page of ``/me/accounts``: one per demo person)."""
        body = await self.get("me/accounts", user_token, {"fields": fields})
        return [p for p in body.get("data", []) if isinstance(p, dict)]

    async def revoke(self, user_token: str) -> bool:
        """``DELETE /me/permissions``: the app's every token for that person dies."""
        body = await self.http.json(
            "DELETE",
            f"{self.graph}/me/permissions",
            headers={"Authorization": f"Bearer {user_token}"},
        )
        return bool(body.get("success")) if isinstance(body, dict) else False


def _access_token(body: Any) -> str:
    if not isinstance(body, dict) or not body.get("access_token"):
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
    return str(body["access_token"])


def login_for(
    http: PlatformHttp, settings: FacebookLoginSettings, *, emulator_url: str | None
) -> FacebookLogin:
    """A :class:`FacebookLogin` with its URLs rerouted through the emulator when asked."""
    version = settings.api_version
    www = settings.www_url.rstrip("/")
    dialog = via_emulator(f"{www}/{version}/dialog/oauth", emulator_url)
    graph = via_emulator(settings.graph_url, emulator_url).rstrip("/")
    return FacebookLogin(
        http,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        dialog_url=dialog,
        graph=f"{graph}/{version}",
        scopes=settings.scopes,
    )


class FacebookPagesOAuth:
    """The token side of :class:`~shared.platforms.facebook.client.FacebookPagesClient`."""

    #: Facebook Login's PKCE support is limited to some flows; the web flow here does not use it.
    supports_pkce = False
    #: The Page token never expires; the stored user token (as refresh token) re-derives it.
    refresh_policy = RefreshPolicy()
    login: FacebookLogin

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        return self.login.authorization_url(state=state, redirect_uri=redirect_uri)

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        user = await self.login.connect(code=code, redirect_uri=redirect_uri)
        page = await self._first_page(user.token)
        return TokenGrant(
            access_token=str(page["access_token"]),
            expires_in=None,
            refresh_token=user.token,
            refresh_expires_in=user.expires_in,
            scopes=user.scopes,
            platform_user_id=str(page["id"]),
        )

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A fresh Page token from the long-lived user token, which is re-exchanged first ⚠."""
        if not refresh_token:
            raise PlatformError(
                PLATFORM, ErrorClass.REAUTH_REQUIRED, "no user token to derive a Page token from"
            )
        try:
            user = await self.login.exchange(refresh_token)
            user_token = str(user["access_token"])
            page = await self._first_page(user_token)
        except PlatformError as error:
            raise reauth_when_expired(error) from error
        renewed = user_token != refresh_token
        return TokenGrant(
            access_token=str(page["access_token"]),
            expires_in=None,
            refresh_token=user_token if renewed else None,
            refresh_expires_in=int_or_none(user.get("expires_in")) if renewed else None,
            platform_user_id=str(page["id"]),
        )

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Deauthorize the app with the user token; a Page token alone cannot."""
        if not refresh_token:
            return False
        return await self.login.revoke(refresh_token)

    async def _first_page(self, user_token: str) -> dict[str, Any]:
        pages = await self.login.pages(user_token, "id,name,access_token")
        for page in pages:
            if page.get("id") and page.get("access_token"):
                return page
        raise PlatformError(
            PLATFORM,
            ErrorClass.PERMISSION_OR_INPUT,
            "this Facebook account manages no Page (or did not share one): create a Page or "
            "select it in the Facebook dialog, then connect again",
        )
