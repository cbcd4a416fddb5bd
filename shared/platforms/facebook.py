"""Facebook Pages through Facebook Login: OAuth, Page tokens, Page fields, posts, insights, history.

Facebook Login (the dialog, the code exchange and the long-lived ``fb_exchange_token`` exchange,
``/me/permissions``) is shared with :mod:`shared.platforms.instagram_facebook` through
:class:`FacebookLogin`, configured from :class:`FacebookLoginSettings`.

The grant (a design decision, since Facebook has no refresh token):

* ``access_token`` is the **Page** token from ``/me/accounts``. Derived from a long-lived user
  token it does not expire, so ``expires_in`` is None;
* ``refresh_token`` is the **long-lived user token** (``refresh_expires_in`` from its answer): it
  re-derives a Page token (:meth:`FacebookPagesClient.refresh`, which also re-exchanges it for a
  fresh 60-day one ⚠) and is the token that can revoke (``DELETE /me/permissions``);
* ``platform_user_id`` is the Page id. A person managing several Pages connects the **first**
  Page ``/me/accounts`` lists (each demo creator has one; a person with none cannot connect).

Quirks handled here: ``shares`` is absent from a post that was never shared (it means 0);
reaction and comment counts come through field expansion (``.summary(total_count).limit(0)``), one
call for a page of posts; Page insights exist only for Pages with 100+ followers (else empty, so
unknown, not 0), span at most 90 days per call and 2 years back; retired metrics
(``page_fans*``, ``page_impressions*``, ``post_impressions*``) fail the whole request with code 100,
so insights and counters go through :mod:`shared.platforms.resilience`; the token endpoint answers
a wrong client secret with code 1 and HTTP 400, which is a configuration error, not an outage.

Engagement per post = (reactions + comments + shares) / Page followers at fetch time x 100; the
Page's rate is the mean over its recent posts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared import clock
from shared.events.snapshots import ContentItem, SnapshotMetrics
from shared.platforms import Platform
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    RefreshPolicy,
    TokenGrant,
    engagement_rate,
    int_or_none,
    mean_rate,
)
from shared.platforms.config import PlatformSettings, via_emulator
from shared.platforms.http import Classifier, PlatformHttp
from shared.platforms.meta import (
    classify,
    cursor_pages,
    daily_insights_query,
    end_time_day,
    insight_values,
    parse_meta_time,
    utc_midnight,
)
from shared.platforms.resilience import RefusedMetrics, fetch_metrics

PLATFORM = Platform.FACEBOOK
DEV_CLIENT_SECRET = "lsa-dev-facebook-secret"  # noqa: S105  (the emulator's demo secret)
PAGE_COUNTERS = ("followers_count", "fan_count")
POST_FIELDS = (
    "id,message,created_time,permalink_url,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
PAGE_METRICS = (
    "page_media_view",
    "page_total_media_view_unique",
    "page_post_engagements",
    "page_views_total",
    "page_daily_follows_unique",
)
HISTORY_METRICS = ("page_follows", "page_daily_follows_unique")
#: Insights that fill the snapshot's common fields; the others go to ``platform_metrics``.
_SNAPSHOT_FIELDS = ("page_media_view", "page_total_media_view_unique")
INSIGHTS_WINDOW_DAYS = 90
INSIGHTS_RETENTION_DAYS = 730
ENGAGEMENT_FORMULA = (
    "(reactions + comments + shares) / page followers at fetch time * 100 per post; "
    "account = mean of recent posts"
)


class FacebookLoginSettings(PlatformSettings):
    """The Facebook app and endpoints of every client logging in with Facebook Login."""

    client_id: str = "lsa-dev-facebook-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    #: The dialog is ``{www_url}/{api_version}/dialog/oauth``.
    www_url: str = "https://www.facebook.com"
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    scopes: str


class Settings(FacebookLoginSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_FACEBOOK_", extra="ignore")

    scopes: str = "pages_show_list,pages_read_engagement,read_insights"
    #: Meta's platform limit is 200 calls x daily active users per rolling hour per app (user
    #: tokens), and Page-token calls count against the Page's Business Use Case budget
    #: (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). A sync costs
    #: about 4 calls per Page, so 120/min (7,200/h) per replica stays far under the app budget
    #: of any real user base and leaves room for other replicas.
    requests_per_minute: int = 120


def graph_classifier(platform: Platform) -> Classifier:
    """Meta's classification, plus the token endpoint's code 1 + HTTP 400 (a bad client secret).

    Code 1 normally means "unknown error, retry"; on ``/oauth/access_token`` with a 4xx it is
    "Error validating client secret.", which retrying cannot fix.
    """

    def classify_graph(response: httpx.Response) -> PlatformError:
        error = classify(platform, response)
        on_token_endpoint = response.request.url.path.endswith("/oauth/access_token")
        if error.code == "1" and response.status_code < 500 and on_token_endpoint:
            return PlatformError(
                platform,
                ErrorClass.PERMISSION_OR_INPUT,
                error.message,
                status=error.status,
                code="1",
            )
        return error

    return classify_graph


def reauth_when_expired(error: PlatformError) -> PlatformError:
    """A long-lived user token that has expired cannot be refreshed by anything: reconnect."""
    if error.error_class is not ErrorClass.TOKEN_EXPIRED:
        return error
    return PlatformError(
        error.platform,
        ErrorClass.REAUTH_REQUIRED,
        f"the long-lived user token expired: {error.message}",
        status=error.status,
        code=error.code,
    )


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


class FacebookPagesClient:
    platform = PLATFORM
    #: Facebook Login's PKCE support is limited to some flows; the web flow here does not use it.
    supports_pkce = False
    #: The Page token never expires; the stored user token (as refresh token) re-derives it.
    refresh_policy = RefreshPolicy()

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.http = PlatformHttp.from_settings(
            PLATFORM, client, graph_classifier(PLATFORM), settings
        )
        self.login = login_for(self.http, settings, emulator_url=emulator_url)
        self.refused = RefusedMetrics()
        #: Seconds since the epoch; replaceable so tests can pin the insights windows.
        self.clock: Callable[[], float] = clock.timestamp

    # --- OAuth -------------------------------------------------------------------------------

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

    # --- Data --------------------------------------------------------------------------------

    async def identity(self, access_token: str) -> AccountIdentity:
        """With a Page token, ``/me`` is the Page."""
        page = await self.login.get("me", access_token, {"fields": "id,name,username"})
        return AccountIdentity(
            platform_user_id=str(page["id"]),
            username=str(page.get("username") or page.get("name") or page["id"]),
            display_name=page.get("name"),
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        counters, refused_fields = await self._counters(access_token, account_id)
        followers = counters.get("followers_count")
        posts = await self._recent_posts(access_token, account_id)
        items = [post_item(p, followers) for p in posts]
        insights, refused_metrics = await self._latest_insights(access_token, account_id)
        extra = {k: float(v) for k, v in insights.items() if k not in _SNAPSHOT_FIELDS}
        if counters.get("fan_count") is not None:
            extra["fan_count"] = float(counters["fan_count"])
        return SnapshotMetrics(
            followers=followers,
            engagement_rate=mean_rate(items),
            reach=insights.get("page_total_media_view_unique"),
            views=insights.get("page_media_view"),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics=extra,
            recent_items=items,
            missing_metrics=sorted(
                {f"page.{n}" for n in refused_fields} | {f"insights.{n}" for n in refused_metrics}
            ),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """Daily followers and new follows, in 90-day windows back to ``days`` (at most 2 years)."""
        span = max(1, min(days, INSIGHTS_RETENTION_DAYS))
        until = utc_midnight(self.clock())
        oldest = until - timedelta(days=span)
        points: dict[date, dict[str, int]] = {}
        while until > oldest:
            since = max(oldest, until - timedelta(days=INSIGHTS_WINDOW_DAYS))
            found = await self._series(access_token, account_id, HISTORY_METRICS, since, until)
            for name, values in found.items():
                for value in values:
                    day = end_time_day(value.get("end_time"))
                    number = int_or_none(value.get("value"))
                    if day is not None and number is not None:
                        points.setdefault(day, {})[name] = number
            if not found:
                break  # no insights for this Page (under 100 followers) or all refused
            until = since
        return [
            HistoryPoint(
                day=day,
                followers=values.get("page_follows"),
                followers_gained=values.get("page_daily_follows_unique"),
            )
            for day, values in sorted(points.items())
        ]

    async def _counters(self, token: str, page: str) -> tuple[dict[str, int], list[str]]:
        """Page counters in one call; field by field only if one is refused."""

        async def fields(names: Sequence[str]) -> dict[str, int]:
            body = await self.login.get(page, token, {"fields": ",".join(["id", *names])})
            values = {name: int_or_none(body.get(name)) for name in names}
            return {k: v for k, v in values.items() if v is not None}

        return await fetch_metrics(
            PAGE_COUNTERS, fields, account=f"{page}:fields", memory=self.refused
        )

    async def _recent_posts(self, token: str, page: str) -> list[dict[str, Any]]:
        posts: list[dict[str, Any]] = []
        params: dict[str, Any] = {"fields": POST_FIELDS, "limit": self.settings.page_size}

        async def page_of(query: dict[str, Any]) -> Any:
            return await self.login.get(f"{page}/posts", token, query)

        async for body in cursor_pages(page_of, params, self.settings.max_pages):
            posts.extend(p for p in body.get("data", []) if isinstance(p, dict))
        return posts

    async def _series(
        self,
        token: str,
        page: str,
        names: Sequence[str],
        since: datetime,
        until: datetime,
    ) -> dict[str, list[dict[str, Any]]]:
        async def series(wanted: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
            query = daily_insights_query(wanted, int(since.timestamp()), int(until.timestamp()))
            body = await self.login.get(f"{page}/insights", token, query)
            return {
                str(entry["name"]): list(entry.get("values") or [])
                for entry in body.get("data", [])
                if isinstance(entry, dict) and entry.get("name")
            }

        found, _refused = await fetch_metrics(
            names, series, account=f"{page}:insights", memory=self.refused
        )
        return found

    async def _latest_insights(self, token: str, page: str) -> tuple[dict[str, int], list[str]]:
        """Yesterday's Page metrics (one call; metric by metric only if one is refused)."""
        until = utc_midnight(self.clock())
        since = until - timedelta(days=1)

        async def latest(names: Sequence[str]) -> dict[str, int]:
            query = daily_insights_query(names, int(since.timestamp()), int(until.timestamp()))
            return insight_values(await self.login.get(f"{page}/insights", token, query))

        return await fetch_metrics(
            PAGE_METRICS, latest, account=f"{page}:insights", memory=self.refused
        )


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> FacebookPagesClient:
    return FacebookPagesClient(settings or Settings(), http, emulator_url=emulator_url)


def summary_count(edge: Any) -> int | None:
    """``{"data": [], "summary": {"total_count": n}}`` → n (None when no summary came back)."""
    if not isinstance(edge, dict):
        return None
    return int_or_none((edge.get("summary") or {}).get("total_count"))


def shares_count(post: dict[str, Any]) -> int:
    """``shares`` is only present once a post has been shared: absent means 0."""
    shares = post.get("shares")
    return (int_or_none(shares.get("count")) or 0) if isinstance(shares, dict) else 0


def post_item(post: dict[str, Any], followers: int | None) -> ContentItem:
    """A Page post; reactions (all kinds) are reported as likes."""
    reactions = summary_count(post.get("reactions"))
    comments = summary_count(post.get("comments"))
    shares = shares_count(post)
    interactions = (reactions or 0) + (comments or 0) + shares
    message = post.get("message")
    return ContentItem(
        item_id=str(post["id"]),
        kind="post",
        published_at=parse_meta_time(post.get("created_time")),
        url=post.get("permalink_url"),
        caption=str(message)[:2200] if message else None,
        likes=reactions,
        comments=comments,
        shares=shares,
        engagement_rate=engagement_rate(interactions, followers),
    )
