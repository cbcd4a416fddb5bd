"""Facebook Login for Instagram: the long-lived user token is the grant, re-exchanged to refresh."""

from __future__ import annotations

from shared.platforms.base import ErrorClass, PlatformError, RefreshPolicy, TokenGrant, int_or_none
from shared.platforms.facebook.errors import reauth_when_expired
from shared.platforms.facebook.oauth import FacebookLogin
from shared.platforms.instagram_facebook.settings import PLATFORM


class InstagramFacebookOAuth:
    """The token side of
    :class:`~shared.platforms.instagram_facebook.client.InstagramFacebookClient`."""

    supports_pkce = False
    #: The long-lived user token is re-exchanged with itself (``fb_exchange_token``).
    refresh_policy = RefreshPolicy(with_access_token=True)
    login: FacebookLogin

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        return self.login.authorization_url(state=state, redirect_uri=redirect_uri)

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        user = await self.login.connect(code=code, redirect_uri=redirect_uri)
        return TokenGrant(
            access_token=user.token,
            expires_in=user.expires_in,
            scopes=user.scopes,
            platform_user_id=await linked_instagram_id(self.login, user.token),
        )

    async def refresh(self, *, access_token: str, refresh_token: str | None = None) -> TokenGrant:
        """Re-exchange the still-valid long-lived user token for a fresh one ⚠."""
        try:
            body = await self.login.exchange(access_token)
        except PlatformError as error:
            raise reauth_when_expired(error) from error
        return TokenGrant(
            access_token=str(body["access_token"]), expires_in=int_or_none(body.get("expires_in"))
        )

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        return await self.login.revoke(access_token)


async def linked_instagram_id(login: FacebookLogin, token: str) -> str:
    """The Instagram professional account linked to the first Page of the person that has one."""
    for page in await login.pages(token, "id,instagram_business_account"):
        linked = page.get("instagram_business_account")
        if isinstance(linked, dict) and linked.get("id"):
            return str(linked["id"])
    raise PlatformError(
        PLATFORM,
        ErrorClass.PERMISSION_OR_INPUT,
        "no Instagram professional account is linked to a Facebook Page of this person: "
        "link one to a Page (or use Instagram Login), then connect again",
    )
