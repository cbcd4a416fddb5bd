"""Instagram through Facebook Login: an Instagram professional account linked to a Facebook Page.

Selected by ``LSA_INSTAGRAM_LOGIN=facebook`` (see ``registry._module``) and configured by
``LSA_INSTAGRAM_FB_*``. The login is Facebook's (:class:`shared.platforms.facebook.FacebookLogin`);
the data is Instagram's on graph.facebook.com, with the same fields, metrics, mapping and
engagement formula as :mod:`shared.platforms.instagram`, whose
:class:`~shared.platforms.instagram.InstagramGraphData` serves both logins.

* The account is found through ``/me/accounts?fields=id,instagram_business_account``: the first
  Page with a linked Instagram professional account. Personal Instagram accounts cannot be
  linked, so a person without one cannot connect (``permission_or_input``).
* The access token is the long-lived **user** token (``expires_in`` from the answer); there is no
  refresh token: :meth:`InstagramFacebookClient.refresh` re-exchanges the token with
  ``fb_exchange_token`` while it is still valid ⚠. Once it has expired, only a reconnect helps.
* Revoke: ``DELETE /me/permissions`` with the user token.
* Daily history: ``follower_count`` (new followers a day) for the last 30 days, for accounts with
  at least 100 followers, and ``reach``.
* Daily sync: ``/{ig-user-id}?fields=…,media.limit(n){…,insights.metric(…)}`` (field expansion:
  profile, recent posts and their insights in one call) and the account totals — 2 calls, with
  the per-post fallback of :class:`~shared.platforms.instagram.InstagramGraphData`.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform, facebook
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    PlatformError,
    RefreshPolicy,
    TokenGrant,
    int_or_none,
)
from shared.platforms.facebook import (
    FacebookLoginSettings,
    graph_classifier,
    login_for,
    reauth_when_expired,
)
from shared.platforms.http import PlatformHttp
from shared.platforms.instagram import ENGAGEMENT_FORMULA as ENGAGEMENT_FORMULA
from shared.platforms.instagram import HISTORY_DAYS as HISTORY_DAYS
from shared.platforms.instagram import InstagramDataSettings, InstagramGraphData, with_expansion

PLATFORM = Platform.INSTAGRAM
#: The same Facebook app (and demo secret) as Facebook Pages.
DEV_CLIENT_SECRET = facebook.DEV_CLIENT_SECRET
PROFILE_FIELDS = "id,username,name,followers_count,follows_count,media_count"


class Settings(FacebookLoginSettings, InstagramDataSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_INSTAGRAM_FB_", extra="ignore")

    scopes: str = "instagram_basic,instagram_manage_insights,pages_read_engagement,pages_show_list"
    #: Instagram calls count against the account's Business Use Case budget (4800 x impressions
    #: per 24 h) and the user-token calls against Meta's 200 x users per hour per app
    #: (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). A sync costs
    #: 2 calls (profile with its posts and their insights by field expansion, totals) plus a
    #: media page per ``page_size`` posts past the insights window — about 14 on the per-post
    #: fallback: 300/min per replica keeps a batch of syncs moving, well under the app budget.
    requests_per_minute: int = 300


class InstagramFacebookClient(InstagramGraphData[Settings]):
    platform = PLATFORM
    supports_pkce = False
    #: The long-lived user token is re-exchanged with itself (``fb_exchange_token``).
    refresh_policy = RefreshPolicy(with_access_token=True)

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        super().__init__(settings)
        self.http = PlatformHttp.from_settings(
            PLATFORM, client, graph_classifier(PLATFORM), settings
        )
        self.login = login_for(self.http, settings, emulator_url=emulator_url)

    # --- OAuth -------------------------------------------------------------------------------

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
            platform_user_id=await self._instagram_id(user.token),
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

    async def _instagram_id(self, token: str) -> str:
        for page in await self.login.pages(token, "id,instagram_business_account"):
            linked = page.get("instagram_business_account")
            if isinstance(linked, dict) and linked.get("id"):
                return str(linked["id"])
        raise PlatformError(
            PLATFORM,
            ErrorClass.PERMISSION_OR_INPUT,
            "no Instagram professional account is linked to a Facebook Page of this person: "
            "link one to a Page (or use Instagram Login), then connect again",
        )

    # --- Data (the rest is InstagramGraphData's) -----------------------------------------------

    async def _get(self, path: str, token: str, params: dict[str, Any] | None = None) -> Any:
        return await self.login.get(path, token, params)

    async def identity(self, access_token: str) -> AccountIdentity:
        node = await self._instagram_id(access_token)
        profile = await self._get(node, access_token, {"fields": "id,username,name"})
        return AccountIdentity(
            platform_user_id=str(profile.get("id") or node),
            username=str(profile.get("username") or node),
            display_name=profile.get("name"),
        )

    async def _profile(
        self, token: str, account_id: str, expand: str = ""
    ) -> tuple[dict[str, Any], str]:
        fields = with_expansion(PROFILE_FIELDS, expand)
        return await self._get(account_id, token, {"fields": fields}), account_id

    def _media_edge(self, node: str) -> str:
        return f"{node}/media"


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> InstagramFacebookClient:
    return InstagramFacebookClient(settings or Settings(), http, emulator_url=emulator_url)
