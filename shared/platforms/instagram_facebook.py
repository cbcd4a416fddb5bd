"""Instagram through Facebook Login: an Instagram professional account linked to a Facebook Page.

Selected by ``LSA_INSTAGRAM_LOGIN=facebook`` (see ``registry._module``) and configured by
``LSA_INSTAGRAM_FB_*``. The login is Facebook's (:class:`shared.platforms.facebook.FacebookLogin`);
the data is Instagram's on graph.facebook.com, with the same fields, metrics, mapping and
engagement formula as :mod:`shared.platforms.instagram`, whose helpers are reused.

* The account is found through ``/me/accounts?fields=id,instagram_business_account``: the first
  Page with a linked Instagram professional account. Personal Instagram accounts cannot be
  linked, so a person without one cannot connect (``permission_or_input``).
* The access token is the long-lived **user** token (``expires_in`` from the answer); there is no
  refresh token: :meth:`InstagramFacebookClient.refresh` re-exchanges the token with
  ``fb_exchange_token`` while it is still valid ⚠. Once it has expired, only a reconnect helps.
* Revoke: ``DELETE /me/permissions`` with the user token.
* Daily history: ``follower_count`` (new followers a day) for the last 30 days, for accounts with
  at least 100 followers, and ``reach``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.events.snapshots import SnapshotMetrics
from shared.platforms import Platform, facebook
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    RefreshPolicy,
    TokenGrant,
    mean_rate,
)
from shared.platforms.config import PlatformSettings
from shared.platforms.facebook import (
    graph_classifier,
    login_for,
    reauth_when_expired,
    utc_midnight,
)
from shared.platforms.http import PlatformHttp
from shared.platforms.instagram import (
    ACCOUNT_TOTALS,
    MEDIA_FIELDS,
    MEDIA_METRICS,
    end_time_day,
    insight_values,
    int_or_none,
    media_item,
)
from shared.platforms.instagram import ENGAGEMENT_FORMULA as ENGAGEMENT_FORMULA
from shared.platforms.resilience import RefusedMetrics, fetch_metrics

PLATFORM = Platform.INSTAGRAM
#: The same Facebook app (and demo secret) as Facebook Pages.
DEV_CLIENT_SECRET = facebook.DEV_CLIENT_SECRET
PROFILE_FIELDS = "id,username,name,followers_count,follows_count,media_count"
HISTORY_DAYS = 30


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_INSTAGRAM_FB_", extra="ignore")

    client_id: str = "lsa-dev-facebook-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    www_url: str = "https://www.facebook.com"
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    scopes: str = "instagram_basic,instagram_manage_insights,pages_read_engagement,pages_show_list"
    #: Instagram calls count against the account's Business Use Case budget (4800 x impressions
    #: per 24 h) and the user-token calls against Meta's 200 x users per hour per app
    #: (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). A sync costs
    #: about 14 calls (profile, 2 media pages, 10 media insights, totals): 300/min per replica
    #: keeps a batch of syncs moving while staying well under the app budget.
    requests_per_minute: int = 300
    #: Posts whose insights are fetched per sync (one call each): the most recent ones.
    insights_media_limit: int = 10


class InstagramFacebookClient:
    platform = PLATFORM
    supports_pkce = False
    #: The long-lived user token is re-exchanged with itself (``fb_exchange_token``).
    refresh_policy = RefreshPolicy(with_access_token=True)

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.http = PlatformHttp(
            PLATFORM,
            client,
            graph_classifier(PLATFORM),
            requests_per_minute=settings.requests_per_minute,
            max_retries=settings.max_retries,
            timeout_seconds=settings.timeout_seconds,
        )
        self.login = login_for(
            self.http,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            www_url=settings.www_url,
            graph_url=settings.graph_url,
            api_version=settings.api_version,
            scopes=settings.scopes,
            emulator_url=emulator_url,
        )
        self.refused = RefusedMetrics()
        #: Seconds since the epoch; replaceable so tests can pin the insights windows.
        self.clock: Callable[[], float] = time.time

    # --- OAuth -------------------------------------------------------------------------------

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        return self.login.authorization_url(state=state, redirect_uri=redirect_uri)

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        user = await self.login.long_lived_token(code=code, redirect_uri=redirect_uri)
        token = str(user["access_token"])
        scopes = await self.login.granted_scopes(token)
        return TokenGrant(
            access_token=token,
            expires_in=int_or_none(user.get("expires_in")),
            scopes=scopes,
            platform_user_id=await self._instagram_id(token),
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

    # --- Data --------------------------------------------------------------------------------

    async def identity(self, access_token: str) -> AccountIdentity:
        node = await self._instagram_id(access_token)
        profile = await self.login.get(node, access_token, {"fields": "id,username,name"})
        return AccountIdentity(
            platform_user_id=str(profile.get("id") or node),
            username=str(profile.get("username") or node),
            display_name=profile.get("name"),
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        profile = await self.login.get(account_id, access_token, {"fields": PROFILE_FIELDS})
        followers = int_or_none(profile.get("followers_count"))
        media = await self._recent_media(access_token, account_id)
        insights, refused = await self._media_insights(access_token, account_id, media)
        items = [media_item(m, followers, insights.get(str(m["id"]), {})) for m in media]
        totals, refused_totals = await self._account_totals(access_token, account_id)
        return SnapshotMetrics(
            followers=followers,
            following=int_or_none(profile.get("follows_count")),
            posts=int_or_none(profile.get("media_count")),
            engagement_rate=mean_rate(items),
            reach=int_or_none(totals.get("reach")),
            views=int_or_none(totals.get("views")),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics={
                k: float(v) for k, v in totals.items() if k not in ("reach", "views")
            },
            recent_items=items,
            missing_metrics=sorted(
                {f"media.{name}" for name in refused} | {f"account.{n}" for n in refused_totals}
            ),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """Daily new followers and reach for up to the last 30 days (Instagram keeps no more)."""
        span = max(1, min(days, HISTORY_DAYS - 1))
        until = utc_midnight(self.clock())
        since = until - timedelta(days=span)

        async def series(names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
            body = await self.login.get(
                f"{account_id}/insights",
                access_token,
                {
                    "metric": ",".join(names),
                    "period": "day",
                    "since": int(since.timestamp()),
                    "until": int(until.timestamp()),
                },
            )
            return {entry["name"]: entry.get("values", []) for entry in body.get("data", [])}

        found, _refused = await fetch_metrics(
            ["follower_count", "reach"], series, account=account_id, memory=self.refused
        )
        points: dict[date, dict[str, int]] = {}
        for name, values in found.items():
            for value in values:
                day = end_time_day(value.get("end_time"))
                number = int_or_none(value.get("value"))
                if day is not None and number is not None:
                    points.setdefault(day, {})[name] = number
        return [
            HistoryPoint(
                day=day,
                followers_gained=values.get("follower_count"),
                metrics={"reach": float(values["reach"])} if "reach" in values else {},
            )
            for day, values in sorted(points.items())
        ]

    async def _recent_media(self, token: str, account: str) -> list[dict[str, Any]]:
        media: list[dict[str, Any]] = []
        params: dict[str, Any] = {"fields": MEDIA_FIELDS, "limit": self.settings.page_size}
        for _ in range(self.settings.max_pages):
            page = await self.login.get(f"{account}/media", token, params)
            media.extend(page.get("data", []))
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params = {**params, "after": after}
        return media

    async def _media_insights(
        self, token: str, account: str, media: list[dict[str, Any]]
    ) -> tuple[dict[str, dict[str, int]], list[str]]:
        insights: dict[str, dict[str, int]] = {}
        refused: set[str] = set()
        for item in media[: self.settings.insights_media_limit]:
            media_id = str(item["id"])

            async def one(names: Sequence[str], media_id: str = media_id) -> dict[str, int]:
                body = await self.login.get(
                    f"{media_id}/insights", token, {"metric": ",".join(names)}
                )
                return insight_values(body)

            values, missing = await fetch_metrics(
                MEDIA_METRICS, one, account=account, memory=self.refused
            )
            insights[media_id] = values
            refused.update(missing)
        return insights, sorted(refused)

    async def _account_totals(self, token: str, account: str) -> tuple[dict[str, int], list[str]]:
        """Yesterday's account totals (one call; metric by metric only if one is refused)."""
        until = utc_midnight(self.clock())
        since = until - timedelta(days=1)

        async def totals(names: Sequence[str]) -> dict[str, int]:
            body = await self.login.get(
                f"{account}/insights",
                token,
                {
                    "metric": ",".join(names),
                    "period": "day",
                    "metric_type": "total_value",
                    "since": int(since.timestamp()),
                    "until": int(until.timestamp()),
                },
            )
            return insight_values(body)

        return await fetch_metrics(
            ACCOUNT_TOTALS, totals, account=f"{account}:account", memory=self.refused
        )


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> InstagramFacebookClient:
    return InstagramFacebookClient(settings or Settings(), http, emulator_url=emulator_url)
