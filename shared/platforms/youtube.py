"""YouTube (Data API v3 + Analytics API v2) with Google OAuth: tokens, channel, videos, history.

Quirks handled here (see docs/platforms.md):

* Google OAuth with PKCE (S256); ``access_type=offline&prompt=consent`` so the code exchange
  carries a refresh token. Refresh answers usually carry none: ``refresh()`` then returns
  ``refresh_token=None`` and the caller keeps the old one. A dead refresh token (revoked, unused
  for six months, superseded) answers ``invalid_grant`` → REAUTH_REQUIRED. Revoking either token
  revokes the whole grant. A 401 from the APIs does not say whether the access token expired
  or was revoked: it is TOKEN_EXPIRED, and the refresh that follows tells the two apart.
* Numbers in the Data API are strings; public subscriber counts above 1,000 are rounded down
  to three significant figures, and a channel may hide its count (followers unknown, not 0).
  A Google account without a channel answers ``channels?mine=true`` with no items.
* Quota: 10,000 units a day per project, reset at midnight Pacific. A sync costs ~3 units
  (channels + playlistItems + videos, 50 ids per call); ``search.list`` (100 units) is never
  used. Exhaustion is a 403 ``quotaExceeded``: RATE_LIMITED until the next Pacific midnight.
* Analytics rows lag 48-72 h and reach back to the channel's creation; columns are mapped by
  ``columnHeaders`` name. One unknown/retired metric fails the whole query (400) and revenue
  metrics are refused (403) to non-partners, so metrics go through
  :mod:`shared.platforms.resilience`.

Snapshot mapping: ``followers`` = subscriberCount, ``posts`` = videoCount, ``views`` = the views
of the newest day Analytics has (usually today - 2; its lag is in ``analytics_lag_days``), the
lifetime channel view count in ``platform_metrics["channel_views"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared import clock
from shared.events.snapshots import ContentItem, SnapshotMetrics
from shared.logging import get_logger
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

PLATFORM = Platform.YOUTUBE
DEV_CLIENT_SECRET = "lsa-dev-youtube-secret"  # noqa: S105  (the emulator's demo secret)
PACIFIC = ZoneInfo("America/Los_Angeles")
ANALYTICS_METRICS = (
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "subscribersGained",
    "subscribersLost",
    "likes",
    "comments",
    "shares",
)
UNIT_COSTS: dict[str, int] = {"channels": 1, "playlistItems": 1, "videos": 1, "search": 100}
"""Data API quota cost per list call (documented); Analytics calls do not use this quota."""
MAX_IDS_PER_CALL = 50
ENGAGEMENT_FORMULA = (
    "(likes + comments) / subscribers at fetch time * 100 per video (the Data API gives no "
    "shares or saves per video); account = mean of recent videos; unknown when the channel "
    "hides its subscriber count"
)
#: Wait after a per-minute rate limit without ``Retry-After``: Google's windows are a minute.
DEFAULT_RATE_LIMIT_WAIT = 60.0
_DAILY_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_TRANSIENT_REASONS = frozenset({"backendError", "internalError"})

log = get_logger(__name__)
Clock = Callable[[], datetime]


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_YOUTUBE_", extra="ignore")

    client_id: str = "lsa-dev-youtube-app.apps.googleusercontent.com"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105
    revoke_url: str = "https://oauth2.googleapis.com/revoke"
    data_api_url: str = "https://www.googleapis.com/youtube/v3"
    analytics_url: str = "https://youtubeanalytics.googleapis.com/v2"
    scopes: str = (
        "https://www.googleapis.com/auth/youtube.readonly "
        "https://www.googleapis.com/auth/yt-analytics.readonly"
    )
    #: Google limits the Data API by units per day (10,000 by default), not per minute; the
    #: Cloud console's per-minute request limits are far higher. 300/min keeps a replica polite
    #: while a channel's sync needs only ~4 requests.
    requests_per_minute: int = 300
    #: playlistItems/videos take at most 50 per call: one page = the 50 newest videos = 1 unit.
    page_size: int = 50
    max_pages: int = 1
    #: The project's daily Data API quota, for reporting how much of it a sync used.
    daily_quota_units: int = 10_000
    #: Days of Analytics looked at for the snapshot's daily figures (the newest row wins).
    snapshot_analytics_days: int = 7


def seconds_until_pacific_midnight(now: datetime) -> float:
    """When YouTube's quota resets: the next midnight in America/Los_Angeles (DST-aware)."""
    local = now.astimezone(PACIFIC)
    tomorrow = local.date() + timedelta(days=1)
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC)
    return max(0.0, (midnight - now).total_seconds())


def classify(
    response: httpx.Response,
    *,
    now: datetime | None = None,
    default_wait: float = DEFAULT_RATE_LIMIT_WAIT,
) -> PlatformError:
    """Map a failed Google answer (API envelope or OAuth's flat shape) to an error class."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return _api_error(response, error, now or clock.now(), default_wait)
    if isinstance(error, str):
        description = str(body.get("error_description") or error)
        return _oauth_error(response.status_code, error, description)
    return _status_error(response, default_wait)


def _api_error(
    response: httpx.Response, error: dict[str, Any], now: datetime, default_wait: float
) -> PlatformError:
    status = response.status_code
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = str(first.get("reason") or error.get("status") or "")
    message = str(error.get("message") or first.get("message") or f"HTTP {status}")

    def make(kind: ErrorClass, retry_after: float | None = None) -> PlatformError:
        return PlatformError(
            PLATFORM, kind, message, status=status, code=reason or None, retry_after=retry_after
        )

    if reason in _DAILY_REASONS:
        return make(ErrorClass.RATE_LIMITED, seconds_until_pacific_midnight(now))
    if reason in _RATE_REASONS or status == 429 or error.get("status") == "RESOURCE_EXHAUSTED":
        return make(ErrorClass.RATE_LIMITED, retry_after_seconds(response) or default_wait)
    if status == 401:
        return make(ErrorClass.TOKEN_EXPIRED)
    if status >= 500 or reason in _TRANSIENT_REASONS:
        return make(ErrorClass.TRANSIENT)
    return make(ErrorClass.PERMISSION_OR_INPUT)


def _oauth_error(status: int, error: str, description: str) -> PlatformError:
    """Token/revoke endpoints: ``invalid_grant`` means the grant is dead (reconnect)."""
    if error == "invalid_grant":
        kind = ErrorClass.REAUTH_REQUIRED
    elif status >= 500:
        kind = ErrorClass.TRANSIENT
    elif status == 429:
        kind = ErrorClass.RATE_LIMITED
    else:
        kind = ErrorClass.PERMISSION_OR_INPUT
    retry = DEFAULT_RATE_LIMIT_WAIT if kind is ErrorClass.RATE_LIMITED else None
    return PlatformError(PLATFORM, kind, description, status=status, code=error, retry_after=retry)


def _status_error(response: httpx.Response, default_wait: float) -> PlatformError:
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response) or default_wait
        return PlatformError(
            PLATFORM, ErrorClass.RATE_LIMITED, "too many requests", status=status, retry_after=wait
        )
    if status >= 500:
        return PlatformError(PLATFORM, ErrorClass.TRANSIENT, f"HTTP {status}", status=status)
    if status == 401:
        return PlatformError(PLATFORM, ErrorClass.TOKEN_EXPIRED, "unauthorized", status=status)
    return PlatformError(PLATFORM, ErrorClass.PERMISSION_OR_INPUT, f"HTTP {status}", status=status)


class YouTubeClient:
    platform = PLATFORM
    supports_pkce = True
    #: Google refresh tokens do not rotate; an answer without one keeps the stored one.
    refresh_policy = RefreshPolicy()

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        emulator_url: str | None = None,
        clock: Clock = clock.now,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.revoke_endpoint = via_emulator(settings.revoke_url, emulator_url)
        self.data_api = via_emulator(settings.data_api_url, emulator_url).rstrip("/")
        self.analytics = via_emulator(settings.analytics_url, emulator_url).rstrip("/")
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            lambda response: classify(response, now=self.clock()),
            settings,
        )
        self.refused = RefusedMetrics()
        #: Data API units asked for, one charge per call (Google also charges failed calls and
        #: retried attempts; those are not counted here).
        self.units_used = 0

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

    # --- Data --------------------------------------------------------------------------------

    async def _data(self, resource: str, token: str, params: dict[str, Any]) -> Any:
        self.units_used += UNIT_COSTS[resource]
        return await self.http.json(
            "GET",
            f"{self.data_api}/{resource}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def _channel(self, token: str, part: str) -> dict[str, Any]:
        body = await self._data("channels", token, {"part": part, "mine": "true"})
        items = body.get("items") if isinstance(body, dict) else None
        if not items:
            raise PlatformError(
                PLATFORM,
                ErrorClass.PERMISSION_OR_INPUT,
                "this Google account has no YouTube channel: create one, then reconnect",
                code="noChannel",
            )
        channel: dict[str, Any] = items[0]
        return channel

    async def identity(self, access_token: str) -> AccountIdentity:
        channel = await self._channel(access_token, "snippet")
        snippet = channel.get("snippet") or {}
        title = snippet.get("title")
        return AccountIdentity(
            platform_user_id=str(channel["id"]),
            username=str(snippet.get("customUrl") or title or channel["id"]),
            display_name=str(title) if title else None,
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        calls, units = self.http.calls, self.units_used
        channel = await self._channel(access_token, "snippet,statistics,contentDetails")
        stats = channel.get("statistics") or {}
        followers = subscribers(stats)
        videos = await self._recent_videos(access_token, channel)
        items = [video_item(v, followers) for v in videos]
        daily, refused = await self._latest_analytics(access_token, account_id or channel["id"])
        snapshot = SnapshotMetrics(
            followers=followers,
            posts=int_or_none(stats.get("videoCount")),
            views=int_or_none(daily.get("views")),
            engagement_rate=mean_rate(items),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics=channel_metrics(stats)
            | {k: v for k, v in daily.items() if k != "views"},
            recent_items=items,
            missing_metrics=sorted(f"analytics.{name}" for name in refused),
        )
        self._report_cost(calls, units)
        return snapshot

    def _report_cost(self, calls_before: int, units_before: int) -> None:
        units = self.units_used - units_before
        log.info(
            "youtube sync cost",
            calls=self.http.calls - calls_before,
            quota_units=units,
            quota_share_pct=round(100 * units / max(1, self.settings.daily_quota_units), 3),
        )

    async def _recent_videos(self, token: str, channel: dict[str, Any]) -> list[dict[str, Any]]:
        """Newest uploads via the uploads playlist (1 unit a page) and videos.list (1 per 50)."""
        if int_or_none((channel.get("statistics") or {}).get("videoCount")) == 0:
            return []  # nothing to list: save the units
        uploads = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
            "uploads"
        )
        if not uploads:
            return []
        ids = await self._upload_ids(token, str(uploads))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), MAX_IDS_PER_CALL):
            batch = ids[start : start + MAX_IDS_PER_CALL]
            body = await self._data(
                "videos", token, {"part": "snippet,statistics", "id": ",".join(batch)}
            )
            found.update({str(v["id"]): v for v in body.get("items") or []})
        return [found[i] for i in ids if i in found]  # newest first, as the playlist lists them

    async def _upload_ids(self, token: str, playlist: str) -> list[str]:
        ids: list[str] = []
        params: dict[str, Any] = {
            "part": "contentDetails",
            "playlistId": playlist,
            "maxResults": min(MAX_IDS_PER_CALL, self.settings.page_size),
        }
        for _ in range(self.settings.max_pages):
            page = await self._data("playlistItems", token, params)
            for item in page.get("items") or []:
                video = (item.get("contentDetails") or {}).get("videoId")
                if video and video not in ids:
                    ids.append(str(video))
            next_token = page.get("nextPageToken")
            if not next_token:
                break
            params = {**params, "pageToken": next_token}
        return ids

    async def _report(
        self, token: str, names: Sequence[str], start: date, end: date
    ) -> dict[str, dict[date, float]]:
        body = await self.http.json(
            "GET",
            f"{self.analytics}/reports",
            params={
                "ids": "channel==MINE",
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "metrics": ",".join(names),
                "dimensions": "day",
                "sort": "day",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        return report_columns(body)

    async def _analytics(
        self, token: str, account: str, days: int
    ) -> tuple[dict[str, dict[date, float]], list[str]]:
        """Daily metrics over the last ``days`` (Pacific dates, as YouTube counts them)."""
        end = self.clock().astimezone(PACIFIC).date()
        start = end - timedelta(days=max(1, days))

        async def report(names: Sequence[str]) -> dict[str, dict[date, float]]:
            return await self._report(token, names, start, end)

        return await fetch_metrics(ANALYTICS_METRICS, report, account=account, memory=self.refused)

    async def _latest_analytics(
        self, token: str, account: str
    ) -> tuple[dict[str, float], list[str]]:
        """The newest day Analytics has (48-72 h old) and how old it is."""
        series, refused = await self._analytics(
            token, account, self.settings.snapshot_analytics_days
        )
        days = {day for values in series.values() for day in values}
        if not days:
            return {}, refused
        newest = max(days)
        daily = {name: values[newest] for name, values in series.items() if newest in values}
        today = self.clock().astimezone(PACIFIC).date()
        daily["analytics_lag_days"] = float((today - newest).days)
        return daily, refused

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """Daily subscribers gained/lost and views, as far back as asked (the channel's life).

        A channel created inside the window had no subscribers at the start of its first day:
        that day carries ``followers=0``, the one count YouTube states for a past day (analytics
        chains the channel's whole history forwards from it).
        """
        series, _refused = await self._analytics(access_token, account_id, days)
        channel = await self._channel(access_token, "snippet")
        created = parse_time((channel.get("snippet") or {}).get("publishedAt"))
        created_on = created.astimezone(PACIFIC).date() if created else None
        window_start = self.clock().astimezone(PACIFIC).date() - timedelta(days=max(1, days))
        all_days = sorted({day for values in series.values() for day in values})
        points = []
        for day in all_days:
            values = {name: s[day] for name, s in series.items() if day in s}
            gained, lost = (
                values.pop("subscribersGained", None),
                values.pop("subscribersLost", None),
            )
            points.append(
                HistoryPoint(
                    day=day,
                    followers=0 if day == created_on and day >= window_start else None,
                    followers_gained=int(gained) if gained is not None else None,
                    followers_lost=int(lost) if lost is not None else None,
                    metrics=values,
                )
            )
        return points


def build(
    http: httpx.AsyncClient,
    *,
    emulator_url: str | None,
    settings: Settings | None = None,
    clock: Clock = clock.now,
) -> YouTubeClient:
    return YouTubeClient(settings or Settings(), http, emulator_url=emulator_url, clock=clock)


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


def subscribers(statistics: dict[str, Any]) -> int | None:
    """The public subscriber count; unknown (None) when the channel hides it."""
    if statistics.get("hiddenSubscriberCount") is True:
        return None
    return int_or_none(statistics.get("subscriberCount"))


def channel_metrics(statistics: dict[str, Any]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    views = int_or_none(statistics.get("viewCount"))
    if views is not None:
        metrics["channel_views"] = float(views)
    if statistics.get("hiddenSubscriberCount") is True:
        metrics["subscribers_hidden"] = 1.0
    return metrics


def video_item(video: dict[str, Any], followers: int | None) -> ContentItem:
    """A video with its public counters (likes/comments absent when the owner hides them)."""
    stats = video.get("statistics") or {}
    snippet = video.get("snippet") or {}
    likes, comments = int_or_none(stats.get("likeCount")), int_or_none(stats.get("commentCount"))
    known = [v for v in (likes, comments) if v is not None]
    title = snippet.get("title")
    return ContentItem(
        item_id=str(video["id"]),
        kind="video",
        published_at=parse_time(snippet.get("publishedAt")),
        url=f"https://www.youtube.com/watch?v={video['id']}",
        caption=str(title)[:2200] if title else None,
        views=int_or_none(stats.get("viewCount")),
        likes=likes,
        comments=comments,
        engagement_rate=engagement_rate(sum(known), followers) if known else None,
    )


def report_columns(body: Any) -> dict[str, dict[date, float]]:
    """An Analytics result table → {metric: {day: value}}, columns found by header name."""
    if not isinstance(body, dict):
        return {}
    names = [str(h.get("name")) for h in body.get("columnHeaders") or [] if isinstance(h, dict)]
    if "day" not in names:
        return {}
    day_at = names.index("day")
    series: dict[str, dict[date, float]] = {n: {} for i, n in enumerate(names) if i != day_at}
    for row in body.get("rows") or []:
        try:
            day = date.fromisoformat(str(row[day_at]))
        except (IndexError, ValueError):
            continue
        for index, name in enumerate(names):
            if index != day_at and index < len(row) and row[index] is not None:
                series[name][day] = float(row[index])
    return series


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
