"""TikTok Login Kit v2 + Display API v2: OAuth with PKCE, rotating refresh tokens, profile, videos.

Quirks handled here (see docs/platforms.md):

* the app is identified by ``client_key`` (not ``client_id``), scopes are comma-separated, and
  PKCE (S256) is used (TikTok requires it for desktop/mobile and accepts it for web);
* the token endpoint reports OAuth errors as ``{"error", "error_description", "log_id"}`` — also
  inside an HTTP 200 — and older answers were wrapped in ``{"data": {...}}``: both are accepted;
  lifetimes differ between TikTok's old and new docs (24 h / 365 d vs 2 h / 180 d), so they are
  always read from ``expires_in`` / ``refresh_expires_in``;
* refresh tokens rotate: every refresh returns a new one and the previous one dies, so the caller
  must store the new refresh token before using the new access token;
* every API answer carries ``{"error": {"code", "message", "log_id"}}`` and ``code == "ok"`` is
  success; an unknown field name fails the whole request (``invalid_params``), so metric fields go
  through :mod:`shared.platforms.resilience`;
* there is no reach, saves, watch time or daily history: :meth:`TikTokClient.fetch_history`
  returns ``[]`` and the stored daily snapshots are the only history.

Engagement per video = (likes + comments + shares) / followers at fetch time x 100; the account's
rate is the mean over the recent videos.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.events.snapshots import ContentItem, SnapshotMetrics
from shared.platforms import Platform, base
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    RefreshPolicy,
    TokenGrant,
    engagement_rate,
    mean_rate,
)
from shared.platforms.config import PlatformSettings, via_emulator
from shared.platforms.http import PlatformHttp, retry_after_seconds
from shared.platforms.resilience import RefusedMetrics, fetch_metrics

PLATFORM = Platform.TIKTOK
DEV_CLIENT_SECRET = "lsa-dev-tiktok-secret"  # noqa: S105  (the emulator's demo secret)
IDENTITY_FIELDS = ("open_id", "union_id", "display_name", "username")
USER_METRICS = ("follower_count", "following_count", "likes_count", "video_count")
VIDEO_FIELDS = ("id", "create_time", "title", "share_url")
VIDEO_METRICS = ("view_count", "like_count", "comment_count", "share_count")
MAX_COUNT = 20
"""``video/list`` ``max_count`` and ``video/query`` ``video_ids`` take at most 20."""
DEFAULT_RATE_LIMIT_WAIT = 60.0
"""TikTok counts requests in a one-minute sliding window: without a hint, wait one window."""
ENGAGEMENT_FORMULA = (
    "(likes + comments + shares) / followers at fetch time * 100 per video; "
    "account = mean of recent videos"
)

_PERMISSION_CODES = {"scope_not_authorized", "scope_permission_missed", "invalid_params"}
_TRANSIENT_OAUTH = {"server_error", "temporarily_unavailable"}


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_TIKTOK_", extra="ignore")

    #: TikTok's ``client_key`` (kept under the common name so the connector treats all alike).
    client_id: str = "lsa-dev-tiktok-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://www.tiktok.com/v2/auth/authorize/"
    token_url: str = "https://open.tiktokapis.com/v2/oauth/token/"  # noqa: S105
    revoke_url: str = "https://open.tiktokapis.com/v2/oauth/revoke/"
    api_url: str = "https://open.tiktokapis.com"
    api_version: str = "v2"
    scopes: str = "user.info.basic,user.info.profile,user.info.stats,video.list"
    #: TikTok allows 600 requests per minute per endpoint (sliding window; user/info,
    #: video/list, video/query each); one limiter for all of them stays under any single one.
    requests_per_minute: int = 500
    #: ``video/list`` returns at most 20 videos per call.
    page_size: int = MAX_COUNT


class TikTokClient:
    platform = PLATFORM
    supports_pkce = True
    #: A refresh token (rotating) keeps the connection alive; the access token cannot.
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
            inspect=inspect_envelope,
        )
        self.refused = RefusedMetrics()

    # --- OAuth -------------------------------------------------------------------------------

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

    # --- Data --------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.api}/{self.settings.api_version}/{path.strip('/')}/"

    async def _call(
        self,
        method: str,
        path: str,
        token: str,
        fields: Sequence[str],
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One Display API call; the ``data`` object, or the error of the envelope raised."""
        answer = await self.http.json(
            method,
            self._url(path),
            params={"fields": ",".join(fields)},
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if not isinstance(answer, dict):
            raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "answer is not a JSON object")
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    async def _user(self, token: str, fields: Sequence[str]) -> dict[str, Any]:
        data = await self._call("GET", "user/info", token, fields)
        user = data.get("user")
        return user if isinstance(user, dict) else {}

    async def identity(self, access_token: str) -> AccountIdentity:
        """``username`` needs ``user.info.profile``; without it the display name stands in."""
        try:
            user = await self._user(access_token, IDENTITY_FIELDS)
        except PlatformError as error:
            if error.error_class is not ErrorClass.PERMISSION_OR_INPUT:
                raise
            user = await self._user(access_token, ("open_id", "display_name"))
        open_id = str(user["open_id"])
        display_name = user.get("display_name")
        return AccountIdentity(
            platform_user_id=open_id,
            username=str(user.get("username") or display_name or open_id),
            display_name=str(display_name) if display_name else None,
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        """One ``user/info`` call, one ``video/list`` call per page (fallbacks only on refusal)."""

        async def counters(names: Sequence[str]) -> dict[str, int]:
            user = await self._user(access_token, ("open_id", *names))
            return {n: v for n in names if (v := int_or_none(user.get(n))) is not None}

        profile, refused_user = await fetch_metrics(
            USER_METRICS, counters, account=f"{account_id}:user", memory=self.refused
        )
        followers = profile.get("follower_count")
        videos, refused_video = await self._recent_videos(access_token, account_id)
        items = [video_item(v, followers) for v in videos]
        return SnapshotMetrics(
            followers=followers,
            following=profile.get("following_count"),
            posts=profile.get("video_count"),
            engagement_rate=mean_rate(items),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics={
                k: float(profile[k]) for k in ("likes_count", "video_count") if k in profile
            },
            recent_items=items,
            missing_metrics=sorted(
                {f"user.{n}" for n in refused_user} | {f"video.{n}" for n in refused_video}
            ),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """TikTok's Display API gives no daily history: our daily snapshots are the history."""
        return []

    async def _recent_videos(
        self, token: str, account_id: str
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Recent videos with their metrics, and the metric fields TikTok refused.

        Normally one listing with every field. If TikTok refuses a field name (retired), list
        without metric fields and find the culprit with ``video/query`` (20 ids a call), field by
        field; the refusal is remembered so later syncs list without it straight away. A refused
        listing itself (private account, ``video.list`` not granted) leaves the profile intact.
        """
        memory_key = f"{account_id}:video"
        known = self.refused.get(memory_key)
        metrics = [m for m in VIDEO_METRICS if m not in known]
        try:
            videos = await self._list_videos(token, [*VIDEO_FIELDS, *metrics])
            return videos, sorted(known)
        except PlatformError as error:
            if error.error_class is not ErrorClass.PERMISSION_OR_INPUT:
                raise
            if error.code != "invalid_params" or not metrics:
                return [], list(VIDEO_METRICS)
        videos = await self._list_videos(token, VIDEO_FIELDS)
        ids = [str(v["id"]) for v in videos if v.get("id") is not None]

        async def query(names: Sequence[str]) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for start in range(0, len(ids), MAX_COUNT):
                body = {"filters": {"video_ids": ids[start : start + MAX_COUNT]}}
                data = await self._call("POST", "video/query", token, ["id", *names], body)
                for video in data.get("videos") or []:
                    for name in names:
                        if name in video:
                            found.setdefault(name, {})[str(video["id"])] = video[name]
            return found

        values, refused = await fetch_metrics(
            metrics, query, account=memory_key, memory=self.refused
        )
        for video in videos:
            for name, by_id in values.items():
                if str(video.get("id")) in by_id:
                    video[name] = by_id[str(video["id"])]
        return videos, sorted(set(refused) | known)

    async def _list_videos(self, token: str, fields: Sequence[str]) -> list[dict[str, Any]]:
        """Newest first, at most ``max_pages`` pages; the cursor is a millisecond timestamp."""
        videos: list[dict[str, Any]] = []
        body: dict[str, Any] = {"max_count": max(1, min(self.settings.page_size, MAX_COUNT))}
        for _ in range(self.settings.max_pages):
            data = await self._call("POST", "video/list", token, fields, body)
            videos.extend(v for v in data.get("videos") or [] if isinstance(v, dict))
            cursor = int_or_none(data.get("cursor"))
            if not data.get("has_more") or cursor is None:
                break
            body = {**body, "cursor": cursor}
        return videos


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> TikTokClient:
    return TikTokClient(settings or Settings(), http, emulator_url=emulator_url)


# --- Parsing -----------------------------------------------------------------------------------


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


def video_item(video: Mapping[str, Any], followers: int | None) -> ContentItem:
    """A ``video/list`` entry → ContentItem; engagement from likes, comments and shares."""
    likes = int_or_none(video.get("like_count"))
    comments = int_or_none(video.get("comment_count"))
    shares = int_or_none(video.get("share_count"))
    counted = [v for v in (likes, comments, shares) if v is not None]
    created = int_or_none(video.get("create_time"))
    title = video.get("title") or video.get("video_description")
    return ContentItem(
        item_id=str(video["id"]),
        kind="video",
        published_at=datetime.fromtimestamp(created, UTC) if created is not None else None,
        url=video.get("share_url"),
        caption=str(title)[:2200] if title else None,
        views=int_or_none(video.get("view_count")),
        likes=likes,
        comments=comments,
        shares=shares,
        engagement_rate=engagement_rate(sum(counted), followers) if counted else None,
    )


def int_or_none(value: Any) -> int | None:
    """Like :func:`shared.platforms.base.int_or_none`, but a JSON boolean is no count."""
    return None if isinstance(value, bool) else base.int_or_none(value)


# --- Errors ------------------------------------------------------------------------------------


def inspect_envelope(response: httpx.Response) -> PlatformError | None:
    """A 200 whose envelope says ``error.code != "ok"`` is an error (so a transient one is
    retried like a 5xx); OAuth answers may carry ``{"error": "…"}`` in a 200 as well."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and str(error.get("code") or "ok") != "ok":
        return classify_answer(200, body)
    if isinstance(error, str) and error:
        return classify_answer(200, body)
    return None


def classify(response: httpx.Response) -> PlatformError:
    """A failed TikTok answer (non-2xx) → its error class."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    return classify_answer(response.status_code, body, retry_after_seconds(response))


def classify_answer(status: int, body: Any, retry_after: float | None = None) -> PlatformError:
    """Classify by TikTok's error code first, by HTTP status only when the code says nothing.

    API codes: ``access_token_invalid`` → token expired (refresh, then retry once);
    ``rate_limit_exceeded`` → rate limited; ``internal_error`` → transient;
    ``scope_not_authorized`` / ``scope_permission_missed`` / ``invalid_params`` → permission or
    input. OAuth codes: ``invalid_grant`` → reauth (a dead or rotated-away refresh token);
    ``server_error`` / ``temporarily_unavailable`` → transient; the rest → permission or input.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        message = str(error.get("message") or code or f"HTTP {status}")
        kind = _api_kind(code)
    elif isinstance(error, str) and error:
        code, message = error, str(body.get("error_description") or error)
        kind = _oauth_kind(code)
    else:
        code, message, kind = "", f"HTTP {status}", None
    kind = kind or _status_kind(status)
    wait = None
    if kind is ErrorClass.RATE_LIMITED:
        wait = retry_after if retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
    return PlatformError(
        PLATFORM, kind, message, status=status, code=code or None, retry_after=wait
    )


def _api_kind(code: str) -> ErrorClass | None:
    if code == "access_token_invalid":
        return ErrorClass.TOKEN_EXPIRED
    if code == "rate_limit_exceeded":
        return ErrorClass.RATE_LIMITED
    if code == "internal_error":
        return ErrorClass.TRANSIENT
    if code in _PERMISSION_CODES:
        return ErrorClass.PERMISSION_OR_INPUT
    return None


def _oauth_kind(code: str) -> ErrorClass:
    if code == "invalid_grant":
        return ErrorClass.REAUTH_REQUIRED
    if code in _TRANSIENT_OAUTH:
        return ErrorClass.TRANSIENT
    return ErrorClass.PERMISSION_OR_INPUT


def _status_kind(status: int) -> ErrorClass:
    if status == 429:
        return ErrorClass.RATE_LIMITED
    if status >= 500:
        return ErrorClass.TRANSIENT
    if status == 401:
        return ErrorClass.TOKEN_EXPIRED
    return ErrorClass.PERMISSION_OR_INPUT
