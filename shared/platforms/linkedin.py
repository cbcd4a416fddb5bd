"""LinkedIn (members as creators): OAuth, token lifecycle, followers, post analytics, history.

Quirks handled here (see docs/platforms.md):

* OAuth 2.0 authorization code without PKCE; access tokens live 60 days. Refresh tokens exist
  only for LinkedIn's approved partners (365 days from the first consent, *not* extended by
  refreshing). Without one the connection dies after 60 days: :meth:`LinkedInClient.refresh`
  then raises ``reauth_required`` at once, and the connector warns the client before expiry.
* Every ``/rest`` call carries ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version:
  2.0.0``; a version is retired about a year after release (426 ``NONEXISTENT_VERSION``), which
  surfaces as ``permission_or_input`` telling the operator to raise ``LSA_LINKEDIN_API_VERSION``.
* Identity comes from OpenID ``/v2/userinfo``: ``sub`` is the member id. LinkedIn gives no
  public handle through the API, so the username is the member's name.
* Followers: ``memberFollowersCount`` (``q=me`` lifetime; ``q=dateRange`` followers gained per
  day, about twelve months back). Post analytics: ``memberCreatorPostAnalytics``, one call per
  ``queryType`` (``IMPRESSION, MEMBERS_REACHED, RESHARE, REACTION, COMMENT``); an unknown or
  retired queryType fails its call, so each goes through :mod:`shared.platforms.resilience`.
* Listing a member's own posts (``/rest/posts?q=author``) needs ``r_member_social``, a
  restricted permission most apps are not granted (asking for it unapproved fails the consent
  with ``unauthorized_scope_error``). ``Settings.list_posts`` turns it on; without it the
  snapshot carries account-level analytics only and no recent items.
* Daily limits are per application and per member and reset at midnight UTC: a 429 without
  ``Retry-After`` waits until then.

Organizations (``networkSizes``, ``organizationalEntityFollowerStatistics``) are not served yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

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
from shared.platforms.http import PlatformHttp, retry_after_seconds
from shared.platforms.resilience import RefusedMetrics, fetch_metrics

PLATFORM = Platform.LINKEDIN
DEV_CLIENT_SECRET = "lsa-dev-linkedin-secret"  # noqa: S105  (the emulator's demo secret)
RESTLI_PROTOCOL = "2.0.0"
#: memberCreatorPostAnalytics queryTypes, one call each; MEMBERS_REACHED is TOTAL-only.
QUERY_TYPES = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
DAILY_QUERY_TYPES = ("IMPRESSION", "REACTION", "COMMENT", "RESHARE")
POSTS_LIST = "posts.list"
HISTORY_DAYS = 365
ENGAGEMENT_FORMULA = (
    "(reactions + comments + reshares) / followers at fetch time * 100 per post; account = mean "
    "of recent posts, or, where posts cannot be listed (no r_member_social), yesterday's "
    "reactions + comments + reshares on all the member's posts / followers * 100"
)
_FIELDS = {
    "IMPRESSION": "views",
    "MEMBERS_REACHED": "reach",
    "RESHARE": "reshares",
    "REACTION": "reactions",
    "COMMENT": "comments",
}
_VERSION_CODES = {"NONEXISTENT_VERSION", "VERSION_MISSING"}


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_LINKEDIN_", extra="ignore")

    client_id: str = "lsa-dev-linkedin-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://www.linkedin.com/oauth/v2/authorization"
    token_url: str = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105
    revoke_url: str = "https://www.linkedin.com/oauth/v2/revoke"
    api_url: str = "https://api.linkedin.com"
    #: ``LinkedIn-Version`` (YYYYMM). LinkedIn retires a version about a year after release:
    #: raise this when the API answers 426 NONEXISTENT_VERSION.
    api_version: str = "202610"
    scopes: str = "openid profile r_member_profileAnalytics r_member_postAnalytics"
    #: List the member's posts (needs the restricted ``r_member_social``, added to the scopes).
    list_posts: bool = False
    posts_scope: str = "r_member_social"
    #: LinkedIn publishes daily per-application and per-member limits (Developer Portal →
    #: Analytics), not per-minute ones; 100/min keeps one replica far from them and smooth.
    requests_per_minute: int = 100
    page_size: int = 20
    #: Posts whose analytics are fetched per sync (five calls each): the most recent ones.
    analytics_posts_limit: int = 10

    def scope_list(self) -> list[str]:
        """The scopes to ask for, with the posts scope only when posts are listed."""
        scopes = self.scopes.replace(",", " ").split()
        if self.list_posts and self.posts_scope not in scopes:
            scopes.append(self.posts_scope)
        return scopes


class LinkedInClient:
    platform = PLATFORM
    supports_pkce = False
    #: Refreshable only with a partner-programme refresh token; otherwise dies at 60 days.
    refresh_policy = RefreshPolicy()

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.revoke_endpoint = via_emulator(settings.revoke_url, emulator_url)
        self.api = via_emulator(settings.api_url, emulator_url).rstrip("/")
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            classify,
            settings,
        )
        self.refused = RefusedMetrics()
        #: Which day it is (UTC) for the date windows; tests pin it.
        self.today: Callable[[], date] = clock.today

    # --- OAuth -------------------------------------------------------------------------------

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

    # --- Data --------------------------------------------------------------------------------

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self.settings.api_version,
            "X-Restli-Protocol-Version": RESTLI_PROTOCOL,
        }

    async def _rest(self, resource: str, query: str, token: str) -> Any:
        """GET ``/rest/{resource}?{query}``; the query is pre-encoded Rest.li 2.0 syntax."""
        url = f"{self.api}/rest/{resource}?{query}"
        return await self.http.json("GET", url, headers=self._headers(token))

    async def identity(self, access_token: str) -> AccountIdentity:
        info = await self.http.json(
            "GET", f"{self.api}/v2/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        name = info.get("name") or " ".join(
            str(p) for p in (info.get("given_name"), info.get("family_name")) if p
        )
        return AccountIdentity(
            platform_user_id=str(info["sub"]),
            username=str(name or info["sub"]),
            display_name=str(name) if name else None,
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        """``account_id`` is the member id (``sub``): the posts' author is urn:li:person:{id}."""
        # One call first: a refused token, a rate limit or a retired API version stops the sync
        # after one call, not six; the rest go out together (two round trips instead of six).
        followers = await self._followers(access_token)
        posts, refused_posts = await self._recent_posts(access_token, account_id)
        analytics, refused_items = await self._posts_analytics(access_token, account_id, posts)
        items = [post_item(p, followers, analytics.get(str(p["id"]), {})) for p in posts]
        totals, refused_totals = await self._yesterday_totals(access_token, account_id)
        rate = mean_rate(items) if items else _interactions_rate(totals, followers)
        return SnapshotMetrics(
            followers=followers,
            engagement_rate=rate,
            reach=totals.get("MEMBERS_REACHED"),
            views=totals.get("IMPRESSION"),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics={
                _FIELDS[k]: float(v)
                for k, v in totals.items()
                if k not in ("IMPRESSION", "MEMBERS_REACHED")
            },
            recent_items=items,
            missing_metrics=sorted(
                set(refused_posts)
                | {f"post.{name}" for name in refused_items}
                | {f"account.{name}" for name in refused_totals}
            ),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """Followers gained per day (about a year back) and daily post analytics."""
        end = self.today()
        start = end - timedelta(days=max(1, min(days, HISTORY_DAYS)))
        window = date_range(start, end)
        body = await self._rest(
            "memberFollowersCount", f"q=dateRange&dateRange={window}", access_token
        )
        gained = {
            day: int(e["memberFollowersCount"])
            for e in elements(body)
            if (day := range_start(e)) is not None and e.get("memberFollowersCount") is not None
        }

        async def daily(names: Sequence[str]) -> dict[str, dict[date, int]]:
            return {name: await self._daily_counts(access_token, name, window) for name in names}

        metrics: dict[date, dict[str, float]] = {}
        for name in DAILY_QUERY_TYPES:
            found, _ = await fetch_metrics(
                [name], daily, account=f"{account_id}:daily", memory=self.refused
            )
            for day, count in found.get(name, {}).items():
                metrics.setdefault(day, {})[_FIELDS[name]] = float(count)
        return [
            HistoryPoint(day=day, followers_gained=gained.get(day), metrics=metrics.get(day, {}))
            for day in sorted(set(gained) | set(metrics))
        ]

    async def _followers(self, token: str) -> int | None:
        body = await self._rest("memberFollowersCount", "q=me", token)
        found = elements(body)
        return int_or_none(found[0].get("memberFollowersCount")) if found else None

    async def _recent_posts(
        self, token: str, member_id: str
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The newest posts, bounded by ``max_pages`` x ``page_size``; refusal is remembered."""
        if not self.settings.list_posts:
            return [], []
        author = quote(f"urn:li:person:{member_id}", safe="")

        async def listing(names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
            posts: list[dict[str, Any]] = []
            size = self.settings.page_size
            for page in range(self.settings.max_pages):
                query = f"author={author}&q=author&count={size}&start={page * size}"
                url = f"{self.api}/rest/posts?{query}"
                headers = {**self._headers(token), "X-RestLi-Method": "FINDER"}
                body = await self.http.json("GET", url, headers=headers)
                found = elements(body)
                posts.extend(found)
                if len(found) < size or not _has_next(body):
                    break
            return {POSTS_LIST: posts}

        found, refused = await fetch_metrics(
            [POSTS_LIST], listing, account=member_id, memory=self.refused
        )
        return found.get(POSTS_LIST, []), refused

    async def _posts_analytics(
        self, token: str, member_id: str, posts: list[dict[str, Any]]
    ) -> tuple[dict[str, dict[str, int]], list[str]]:
        """Lifetime analytics of the newest posts: one call per post and queryType."""
        analytics: dict[str, dict[str, int]] = {}
        refused: set[str] = set()
        for post in posts[: self.settings.analytics_posts_limit]:
            urn = str(post["id"])
            entity = entity_param(urn)
            if entity is None:
                continue
            values: dict[str, int] = {}
            for name in QUERY_TYPES:

                async def one(names: Sequence[str], entity: str = entity) -> dict[str, int]:
                    query = f"q=entity&entity={entity}&queryType={names[0]}&aggregation=TOTAL"
                    body = await self._rest("memberCreatorPostAnalytics", query, token)
                    return total_count(body, names[0])

                found, missing = await fetch_metrics(
                    [name], one, account=f"{member_id}:post", memory=self.refused
                )
                values.update(found)
                refused.update(missing)
            analytics[urn] = values
        return analytics, sorted(refused)

    async def _yesterday_totals(
        self, token: str, member_id: str
    ) -> tuple[dict[str, int], list[str]]:
        """All the member's posts' analytics during yesterday (UTC), by queryType.

        The API takes one queryType per call; the calls go out together.
        """
        today = self.today()
        window = date_range(today - timedelta(days=1), today)

        async def one(names: Sequence[str]) -> dict[str, int]:
            query = f"q=me&queryType={names[0]}&aggregation=TOTAL&dateRange={window}"
            body = await self._rest("memberCreatorPostAnalytics", query, token)
            return total_count(body, names[0])

        answers = await asyncio.gather(
            *(
                fetch_metrics([name], one, account=f"{member_id}:account", memory=self.refused)
                for name in QUERY_TYPES
            )
        )
        totals: dict[str, int] = {}
        refused: list[str] = []
        for found, missing in answers:
            totals.update(found)
            refused.extend(missing)
        return totals, refused

    async def _daily_counts(self, token: str, name: str, window: str) -> dict[date, int]:
        query = f"q=me&queryType={name}&aggregation=DAILY&dateRange={window}"
        body = await self._rest("memberCreatorPostAnalytics", query, token)
        counts: dict[date, int] = {}
        for element in elements(body):
            day, count = range_start(element), int_or_none(element.get("count"))
            if day is not None and count is not None and metric_name(element) in (name, None):
                counts[day] = count
        return counts


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> LinkedInClient:
    return LinkedInClient(settings or Settings(), http, emulator_url=emulator_url)


# --- Errors ----------------------------------------------------------------------------------


def seconds_to_utc_midnight(now: datetime | None = None) -> float:
    """LinkedIn's daily limits reset at 00:00 UTC."""
    moment = now or clock.now()
    midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time(), UTC)
    return max(1.0, (midnight - moment).total_seconds())


def classify(response: httpx.Response, now: datetime | None = None) -> PlatformError:
    """Map a failed LinkedIn answer (REST envelope or OAuth shape) to an error class."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("error"), str):
        return _oauth_error(status, body)
    code = str(body.get("code") or "") or None
    label = code or (str(body["serviceErrorCode"]) if "serviceErrorCode" in body else None)
    message = str(body.get("message") or f"HTTP {status}")
    if status == 429:
        wait = retry_after_seconds(response) or seconds_to_utc_midnight(now)
        return PlatformError(
            PLATFORM, ErrorClass.RATE_LIMITED, message, status=status, code=label, retry_after=wait
        )
    if status >= 500:
        return PlatformError(PLATFORM, ErrorClass.TRANSIENT, message, status=status, code=label)
    if status == 401:
        expired = code == "EXPIRED_ACCESS_TOKEN" or "expired" in message.lower()
        kind = ErrorClass.TOKEN_EXPIRED if expired else ErrorClass.REAUTH_REQUIRED
        return PlatformError(PLATFORM, kind, message, status=status, code=label)
    if status == 426 or code in _VERSION_CODES:
        message = (
            f"{message}: the LinkedIn-Version this deployment sends is retired or invalid; "
            "raise LSA_LINKEDIN_API_VERSION to a current YYYYMM version"
        )
    details = body.get("errorDetails")
    if isinstance(details, dict) and details.get("inputErrors"):
        message = f"{message} {details['inputErrors']}"
    return PlatformError(
        PLATFORM, ErrorClass.PERMISSION_OR_INPUT, message, status=status, code=label
    )


def _oauth_error(status: int, body: dict[str, Any]) -> PlatformError:
    """``{"error", "error_description"}`` of www.linkedin.com/oauth/v2/*."""
    error = str(body["error"])
    message = str(body.get("error_description") or error)
    if error == "invalid_grant":  # refresh token expired (365 days) or revoked
        kind = ErrorClass.REAUTH_REQUIRED
    elif status == 429:
        kind = ErrorClass.RATE_LIMITED
    elif status >= 500:
        kind = ErrorClass.TRANSIENT
    else:
        kind = ErrorClass.PERMISSION_OR_INPUT
    retry = seconds_to_utc_midnight() if kind is ErrorClass.RATE_LIMITED else None
    return PlatformError(PLATFORM, kind, message, status=status, code=error, retry_after=retry)


# --- Parsing ---------------------------------------------------------------------------------


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


def elements(body: Any) -> list[dict[str, Any]]:
    found = body.get("elements") if isinstance(body, dict) else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def _has_next(body: Any) -> bool:
    paging = body.get("paging") if isinstance(body, dict) else None
    links = paging.get("links") if isinstance(paging, dict) else None
    return any(isinstance(link, dict) and link.get("rel") == "next" for link in links or [])


def metric_name(element: dict[str, Any]) -> str | None:
    """``metricType`` as a string (202605+) or a one-key union object (earlier versions)."""
    value = element.get("metricType")
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        return inner if isinstance(inner, str) else None
    return None


def total_count(body: Any, name: str) -> dict[str, int]:
    """A TOTAL answer → ``{name: count}``; no element means no data (not 0)."""
    for element in elements(body):
        count = int_or_none(element.get("count"))
        if count is not None and metric_name(element) in (name, None):
            return {name: count}
    return {}


def li_date(value: Any) -> date | None:
    if not isinstance(value, dict):
        return None
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def range_start(element: dict[str, Any]) -> date | None:
    """The day a daily element describes (``dateRange.start``; ``end`` is exclusive)."""
    window = element.get("dateRange")
    return li_date(window.get("start")) if isinstance(window, dict) else None


def date_range(start: date, end: date) -> str:
    """Rest.li 2.0 ``dateRange`` (end exclusive), unencoded as the protocol wants."""

    def one(day: date) -> str:
        return f"(year:{day.year},month:{day.month},day:{day.day})"

    return f"(start:{one(start)},end:{one(end)})"


def entity_param(urn: str) -> str | None:
    """``(share:urn%3Ali%3Ashare%3A…)`` or ``(ugc:urn%3Ali%3AugcPost%3A…)``."""
    if urn.startswith("urn:li:share:"):
        return f"(share:{quote(urn, safe='')})"
    if urn.startswith("urn:li:ugcPost:"):
        return f"(ugc:{quote(urn, safe='')})"
    return None


def post_item(post: dict[str, Any], followers: int | None, counts: dict[str, int]) -> ContentItem:
    reactions, comments = counts.get("REACTION"), counts.get("COMMENT")
    reshares = counts.get("RESHARE")
    known = [v for v in (reactions, comments, reshares) if v is not None]
    urn = str(post["id"])
    commentary = post.get("commentary")
    media = (
        (post.get("content") or {}).get("media") if isinstance(post.get("content"), dict) else None
    )
    video = urn.startswith("urn:li:ugcPost:") and isinstance(media, dict)
    return ContentItem(
        item_id=urn,
        kind="video" if video or "video" in str((media or {}).get("id", "")) else "post",
        published_at=epoch_ms(post.get("publishedAt") or post.get("createdAt")),
        url=f"https://www.linkedin.com/feed/update/{urn}/",
        caption=str(commentary)[:2200] if commentary else None,
        views=counts.get("IMPRESSION"),
        reach=counts.get("MEMBERS_REACHED"),
        likes=reactions,
        comments=comments,
        shares=reshares,
        engagement_rate=engagement_rate(sum(known), followers) if known else None,
    )


def _media_id(post: dict[str, Any]) -> str:
    content = post.get("content")
    media = content.get("media") if isinstance(content, dict) else None
    return str(media.get("id") or "") if isinstance(media, dict) else ""


def _interactions_rate(totals: dict[str, int], followers: int | None) -> float | None:
    known = [totals[k] for k in ("REACTION", "COMMENT", "RESHARE") if k in totals]
    return engagement_rate(sum(known), followers) if known else None


def epoch_ms(value: Any) -> datetime | None:
    number = int_or_none(value)
    return datetime.fromtimestamp(number / 1000, UTC) if number is not None else None
