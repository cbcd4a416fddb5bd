"""Instagram API with Instagram Login: OAuth, token lifecycle, profile, media, insights, history.

Quirks handled here (see docs/platforms.md):

* the code exchange answers flat or wrapped in ``{"data": [...]}``, with ``permissions`` as a
  string or a list; the short-lived (1 h) token is exchanged at once for a long-lived one
  (``ig_exchange_token``), which is refreshed with ``ig_refresh_token`` — there is no refresh
  token, and no documented revoke endpoint;
* insights: retired metrics (``impressions``, ``plays``, ``video_views``) fail the whole request,
  so metrics go through :mod:`shared.platforms.resilience`; personal accounts get none;
* the daily sync asks the profile, the recent posts and their insights in **one** request by
  field expansion (``fields=…,media.limit(n){…,insights.metric(…)}``), then the account totals:
  2 calls instead of one per post; a refused expansion falls back to the per-post calls (see
  :class:`InstagramGraphData`);
* daily history: ``follower_count`` (new followers a day) for the last 30 days only, for accounts
  with at least 100 followers — the rest of the history is what we store ourselves.

Engagement per post = (likes + comments + saves + shares) / followers at fetch time x 100, with
saves and shares where the post's insights give them; the account's rate is the mean over the
recent posts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, Literal, TypeVar
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
from shared.platforms.http import PlatformHttp
from shared.platforms.meta import (
    MetaUsage,
    classify,
    cursor_pages,
    daily_insights_query,
    end_time_day,
    insight_values,
    parse_meta_time,
    refuses_the_object,
    utc_midnight,
)
from shared.platforms.resilience import RefusedMetrics, fetch_metrics

PLATFORM = Platform.INSTAGRAM
DEV_CLIENT_SECRET = "lsa-dev-instagram-secret"  # noqa: S105  (the emulator's demo secret)
PROFILE_FIELDS = "user_id,username,name,account_type,followers_count,follows_count,media_count"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count"
)
MEDIA_METRICS = ("views", "reach", "saved", "shares")
ACCOUNT_TOTALS = ("views", "reach", "accounts_engaged", "total_interactions", "profile_links_taps")
HISTORY_METRICS = ("follower_count", "reach")
HISTORY_DAYS = 30
ENGAGEMENT_FORMULA = (
    "(likes + comments + saves + shares) / followers at fetch time * 100 per post "
    "(saves and shares where the post's insights give them); account = mean of recent posts"
)
_KINDS = {"REELS": "reel", "STORY": "story", "VIDEO": "video", "CAROUSEL_ALBUM": "carousel"}


class InstagramDataSettings(PlatformSettings):
    """What the settings of both Instagram logins have in common (the data side)."""

    #: Posts whose insights are fetched per sync: the most recent ones (nested in the profile
    #: call by field expansion; one call each only on the fallback path).
    insights_media_limit: int = 25
    #: One page of the newest posts, all with their insights: the profile, the posts and their
    #: insights then come in one call (plus one for yesterday's account totals).
    max_pages: int = 1


class Settings(InstagramDataSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_INSTAGRAM_", extra="ignore")

    client_id: str = "lsa-dev-instagram-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://www.instagram.com/oauth/authorize"
    token_url: str = "https://api.instagram.com/oauth/access_token"  # noqa: S105
    graph_url: str = "https://graph.instagram.com"
    api_version: str = "v23.0"
    scopes: str = "instagram_business_basic,instagram_business_manage_insights"
    #: Meta's business use-case limit (4800 x impressions per 24 h) is far higher; this keeps
    #: one replica polite and lets X-App-Usage stay low.
    requests_per_minute: int = 600
    #: ``instagram`` (Instagram Login, no Facebook Page needed) or ``facebook`` (Facebook Login:
    #: served by :mod:`shared.platforms.instagram_facebook`, configured by ``LSA_INSTAGRAM_FB_*``).
    login: Literal["instagram", "facebook"] = "instagram"


S = TypeVar("S", bound=InstagramDataSettings)


class _PostRefused(Exception):
    """A post Meta gives no insights at all (see :func:`~shared.platforms.meta.refuses_the_object`).

    Not a :class:`PlatformError`, so it passes through
    :func:`~shared.platforms.resilience.fetch_metrics` untouched: a refusal of the post is not
    learned as a refusal of the metrics for the other posts.
    """


@dataclass
class RecentMedia:
    """What a sync reads before the account totals: the profile, its recent posts, their
    insights (by post id) and the media metrics refused (reported as ``media.<name>``)."""

    profile: dict[str, Any]
    node: str
    media: list[dict[str, Any]]
    insights: dict[str, dict[str, int]]
    refused: set[str]


class InstagramGraphData(ABC, Generic[S]):
    """Instagram's data (profile, media, insights, history), the same through both logins.

    A login says how to GET a Graph API path (:meth:`_get`), where the profile and the media
    are (:meth:`_profile`, :meth:`_media_edge`) and how far its history window reaches
    (:meth:`_history_until`); fields, metrics, mapping and the refusal memory are common.

    **A daily sync is 2 calls** when the wanted posts fit the insights window: the profile node
    with its ``media`` edge nested by field expansion — the ``insights_media_limit`` newest posts,
    each with ``insights.metric(…)`` — and the account totals. Posts past the window (up to
    ``page_size * max_pages``) are read from the media edge after the nested page's cursor, at
    most ``page_size`` a call and without insights, exactly as before.

    **Refusals.** A retired or unsupported metric makes Meta refuse the *whole* expanded request
    (code 100 → ``permission_or_input``), profile included. Then this sync falls back to the
    per-post path (profile, media pages, one ``/{media-id}/insights`` call per post through
    :func:`~shared.platforms.resilience.fetch_metrics`, which finds and remembers the culprits
    per account and media type). Two things are remembered per account, in the client's
    :class:`~shared.platforms.resilience.RefusedMetrics` (bounded, least recent out):

    * ``{account}:expansion`` — the media metrics refused for *every* post the fallback asked
      about: the expansion leaves them out from then on (and reports them missing);
    * ``{account}:expansion-refused`` — each metric set the expansion was refused with.

    A post that has no insights at all (posted before the account became a business account:
    Meta refuses it whatever the metrics, and with it the whole expansion) is not a refused
    metric: the fallback asks it once, reports its metrics missing and still asks every other
    post, so their engagement is the expansion's.

    Design choice: rather than giving up on the expansion for good, the next sync retries it
    *without the refused metrics* — but only if that is a metric set not refused before; a set
    already refused goes straight to the fallback. So a retired metric costs one refused call
    and one fallback sync, after which the expansion runs without it (2 calls again, the metric
    still reported missing). A refusal that is not about one metric for every post (an odd
    post, an expansion the API does not serve) teaches no metric, so the account stays on the
    per-post path with no retry — at most one more each time the fallback learns a newly
    refused metric — until the memory forgets it (restart, eviction) and one expansion is tried.
    """

    def __init__(self, settings: S) -> None:
        self.settings = settings
        self.refused = RefusedMetrics()
        #: Seconds since the epoch; replaceable so tests can pin the insights windows.
        self.clock: Callable[[], float] = clock.timestamp

    @abstractmethod
    async def _get(self, path: str, token: str, params: dict[str, Any] | None = None) -> Any:
        """GET a Graph API path (``{node}/{edge}``) with the user's token."""

    @abstractmethod
    async def _profile(
        self, token: str, account_id: str, expand: str = ""
    ) -> tuple[dict[str, Any], str]:
        """The account's profile (its counters) and the node its insights are asked of;
        ``expand`` adds fields (edges by field expansion) to the same request."""

    @abstractmethod
    def _media_edge(self, node: str) -> str:
        """The path listing the account's media."""

    def _media_memory_key(self, node: str, item: dict[str, Any]) -> str:
        """Which metrics a post supports depends on its type (reel, carousel, …): refusals are
        remembered per account *and type*, so one odd post cannot blacklist the rest."""
        kind = item.get("media_product_type") or item.get("media_type") or "post"
        return f"{node}:{kind}"

    def _history_until(self) -> int:
        """The end of the history window (epoch seconds): the start of today (UTC)."""
        return int(utc_midnight(self.clock()).timestamp())

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        recent = await self._recent(access_token, account_id)
        profile = recent.profile
        followers = int_or_none(profile.get("followers_count"))
        items = [
            media_item(m, followers, recent.insights.get(str(m["id"]), {})) for m in recent.media
        ]
        totals, refused_totals = await self._account_totals(access_token, recent.node)
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
                {f"media.{name}" for name in recent.refused}
                | {f"account.{n}" for n in refused_totals}
            ),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """Daily new followers and reach for up to the last 30 days (Instagram keeps no more)."""
        span = max(1, min(days, HISTORY_DAYS - 1))
        until = self._history_until()
        since = until - span * 86400

        async def series(names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
            query = daily_insights_query(names, since, until)
            body = await self._get(f"{account_id}/insights", access_token, query)
            return {entry["name"]: entry.get("values", []) for entry in body.get("data", [])}

        found, _refused = await fetch_metrics(
            HISTORY_METRICS, series, account=account_id, memory=self.refused
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

    # --- The profile, the recent posts and their insights -------------------------------------

    async def _recent(self, token: str, account_id: str) -> RecentMedia:
        """By field expansion when it may work, else per post (see the class docstring)."""
        left_out = self.refused.get(f"{account_id}:expansion")
        metrics = [name for name in MEDIA_METRICS if name not in left_out]
        attempt = ",".join(metrics) or "-"
        refused_with = f"{account_id}:expansion-refused"
        if attempt not in self.refused.get(refused_with):
            try:
                return await self._expanded(token, account_id, metrics)
            except PlatformError as error:
                if error.error_class is not ErrorClass.PERMISSION_OR_INPUT:
                    raise
                self.refused.add(refused_with, [attempt])
        return await self._per_post(token, account_id)

    async def _expanded(self, token: str, account_id: str, metrics: list[str]) -> RecentMedia:
        """One request: the profile and its newest posts, those in the insights window with
        their insights nested; later posts (if settings want more) are paged without insights."""
        wanted = self.settings.page_size * self.settings.max_pages
        window = min(self.settings.insights_media_limit, wanted)
        with_insights = bool(metrics) and window > 0
        first = min(window if with_insights else wanted, self.settings.page_size)
        inner = MEDIA_FIELDS
        if with_insights:
            inner += f",insights.metric({','.join(metrics)})"
        expand = f"media.limit({first}){{{inner}}}" if first > 0 else ""
        profile, node = await self._profile(token, account_id, expand)
        edge = profile.pop("media", None)  # Meta leaves an empty edge out
        edge = edge if isinstance(edge, dict) else {}
        media: list[dict[str, Any]] = list(edge.get("data") or [])[:wanted]
        nested = len(media)
        insights: dict[str, dict[str, int]] = {}
        if with_insights:
            insights = {str(m["id"]): insight_values(m.pop("insights", None)) for m in media}
        paging = edge.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if nested < wanted and paging.get("next") and after:
            media += await self._media_pages(token, node, wanted - nested, after)
        refused = set(MEDIA_METRICS) - set(metrics) if media[:window] else set()
        # Posts of the window the nested page did not hold (a window longer than a page, or a
        # short page): asked one by one, as on the fallback path.
        rest = media[nested:window] if with_insights else []
        if rest:
            more, more_refused, _ = await self._media_insights(token, node, rest)
            insights.update(more)
            refused |= more_refused
        return RecentMedia(profile, node, media, insights, refused)

    async def _per_post(self, token: str, account_id: str) -> RecentMedia:
        """The fallback: profile, media pages, then one insights call per recent post."""
        profile, node = await self._profile(token, account_id)
        media = await self._media_pages(
            token, node, self.settings.page_size * self.settings.max_pages
        )
        window = media[: self.settings.insights_media_limit]
        insights, refused, everywhere = await self._media_insights(token, node, window)
        self.refused.add(f"{account_id}:expansion", sorted(everywhere))
        return RecentMedia(profile, node, media, insights, refused)

    async def _media_pages(
        self, token: str, node: str, count: int, after: str | None = None
    ) -> list[dict[str, Any]]:
        """Up to ``count`` posts of the media edge (from cursor ``after``), ``page_size`` a call."""
        media: list[dict[str, Any]] = []
        size = self.settings.page_size
        if count <= 0 or size <= 0:
            return media
        params: dict[str, Any] = {"fields": MEDIA_FIELDS, "limit": min(size, count)}
        if after:
            params["after"] = after

        async def page_of(query: dict[str, Any]) -> Any:
            query = {**query, "limit": min(size, count - len(media))}
            return await self._get(self._media_edge(node), token, query)

        async for page in cursor_pages(page_of, params, -(-count // size)):
            media.extend(page.get("data", []))
            if len(media) >= count:
                break
        return media[:count]

    async def _media_insights(
        self, token: str, node: str, media: list[dict[str, Any]]
    ) -> tuple[dict[str, dict[str, int]], set[str], set[str]]:
        """Each post's insights, one call each; the metrics refused for any of them, and those
        refused for every one of them (what the expansion then leaves out).

        A post refused as such (:class:`_PostRefused`) has its metrics reported missing but
        teaches nothing about them: neither the memory of its media type nor ``everywhere``.
        """
        insights: dict[str, dict[str, int]] = {}
        refused: set[str] = set()
        everywhere: set[str] | None = None
        for item in media:
            media_id = str(item["id"])

            async def one(names: Sequence[str], media_id: str = media_id) -> dict[str, int]:
                try:
                    body = await self._get(
                        f"{media_id}/insights", token, {"metric": ",".join(names)}
                    )
                except PlatformError as error:
                    if refuses_the_object(error):
                        raise _PostRefused(media_id) from error
                    raise
                return insight_values(body)

            try:
                values, missing = await fetch_metrics(
                    MEDIA_METRICS,
                    one,
                    account=self._media_memory_key(node, item),
                    memory=self.refused,
                )
            except _PostRefused:
                refused.update(MEDIA_METRICS)
                continue
            insights[media_id] = values
            refused.update(missing)
            everywhere = set(missing) if everywhere is None else everywhere & set(missing)
        return insights, refused, everywhere or set()

    async def _account_totals(self, token: str, node: str) -> tuple[dict[str, int], list[str]]:
        """Yesterday's account totals (one call; metric by metric only if one is refused)."""
        until = utc_midnight(self.clock())
        since = until - timedelta(days=1)

        async def totals(names: Sequence[str]) -> dict[str, int]:
            query = daily_insights_query(
                names,
                int(since.timestamp()),
                int(until.timestamp()),
                metric_type="total_value",
            )
            return insight_values(await self._get(f"{node}/insights", token, query))

        return await fetch_metrics(
            ACCOUNT_TOTALS, totals, account=f"{node}:account", memory=self.refused
        )


class InstagramClient(InstagramGraphData[Settings]):
    platform = PLATFORM
    supports_pkce = False
    #: No refresh token: the long-lived token refreshes itself, once it is 24 h old.
    refresh_policy = RefreshPolicy(with_access_token=True, min_age=timedelta(hours=24))

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        super().__init__(settings)
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.graph = via_emulator(settings.graph_url, emulator_url).rstrip("/")
        self.usage = MetaUsage(PLATFORM)
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            lambda response: classify(PLATFORM, response),
            settings,
            observe=self.usage.observe,
            gate=self.usage.gate,
        )

    # --- OAuth -------------------------------------------------------------------------------

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        query = {
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": self.settings.scopes,
            "state": state,
        }
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret.get_secret_value(),
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code.removesuffix("#_"),
            },
        )
        short = _unwrap_token_answer(body)
        long_lived = await self.http.json(
            "GET",
            f"{self.graph}/access_token",
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": self.settings.client_secret.get_secret_value(),
                "access_token": short["access_token"],
            },
        )
        return TokenGrant(
            access_token=str(long_lived["access_token"]),
            expires_in=int_or_none(long_lived.get("expires_in")),
            scopes=_permissions(short.get("permissions")),
            platform_user_id=str(short["user_id"]) if short.get("user_id") else None,
        )

    async def refresh(self, *, access_token: str, refresh_token: str | None = None) -> TokenGrant:
        """A new 60-day token; Instagram refuses tokens younger than 24 h or already expired."""
        body = await self.http.json(
            "GET",
            f"{self.graph}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": access_token},
        )
        return TokenGrant(
            access_token=str(body["access_token"]), expires_in=int_or_none(body.get("expires_in"))
        )

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Instagram Login documents no revoke endpoint: the token simply stops being used."""
        return False

    # --- Data (the rest is InstagramGraphData's) -----------------------------------------------

    async def _get(self, path: str, token: str, params: dict[str, Any] | None = None) -> Any:
        url = f"{self.graph}/{self.settings.api_version}/{path.lstrip('/')}"
        return await self.http.json(
            "GET", url, params=params, headers={"Authorization": f"Bearer {token}"}
        )

    async def identity(self, access_token: str) -> AccountIdentity:
        me = await self._get("me", access_token, {"fields": "user_id,username,name"})
        return AccountIdentity(
            platform_user_id=str(me.get("user_id") or me["id"]),
            username=str(me.get("username") or me["id"]),
            display_name=me.get("name"),
        )

    async def _profile(
        self, token: str, account_id: str, expand: str = ""
    ) -> tuple[dict[str, Any], str]:
        me = await self._get("me", token, {"fields": with_expansion(PROFILE_FIELDS, expand)})
        return me, str(me.get("user_id") or account_id)

    def _media_edge(self, node: str) -> str:
        return "me/media"

    def _history_until(self) -> int:
        """Instagram Login's history window ends now, not at the start of today."""
        return int(self.clock())


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> InstagramClient:
    return InstagramClient(settings or Settings(), http, emulator_url=emulator_url)


def with_expansion(fields: str, expand: str) -> str:
    """A profile's ``fields`` plus the expanded edges, if any."""
    return f"{fields},{expand}" if expand else fields


def media_item(
    media: dict[str, Any], followers: int | None, insights: dict[str, int]
) -> ContentItem:
    likes = int_or_none(media.get("like_count"))
    comments = int_or_none(media.get("comments_count"))
    saves, shares = insights.get("saved"), insights.get("shares")
    interactions = sum(v or 0 for v in (likes, comments, saves, shares))
    kind = _KINDS.get(str(media.get("media_product_type"))) or _KINDS.get(
        str(media.get("media_type")), "post"
    )
    caption = media.get("caption")
    return ContentItem(
        item_id=str(media["id"]),
        kind=kind,
        published_at=parse_meta_time(media.get("timestamp")),
        url=media.get("permalink"),
        caption=str(caption)[:2200] if caption else None,
        views=insights.get("views"),
        reach=insights.get("reach"),
        likes=likes,
        comments=comments,
        shares=shares,
        saves=saves,
        engagement_rate=engagement_rate(interactions, followers),
    )


def _unwrap_token_answer(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        body = body["data"][0]
    if not isinstance(body, dict) or "access_token" not in body:
        raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
    return body


def _permissions(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return ()
