"""Instagram API with Instagram Login: OAuth, token lifecycle, profile and media.

Quirks handled here (see docs/platforms.md):
* the code exchange answers flat or wrapped in ``{"data": [...]}``, with ``permissions`` as a
  string or a list;
* the short-lived (1 h) token is exchanged at once for a long-lived one (``ig_exchange_token``);
  long-lived tokens are refreshed with ``ig_refresh_token`` — there is no refresh token;
* engagement per post = (likes + comments) / followers at fetch time, in percent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from shared.events.snapshots import ContentItem
from shared.platforms import Platform
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    PlatformError,
    SnapshotData,
    TokenGrant,
    engagement_rate,
    mean_rate,
)
from shared.platforms.config import InstagramSettings, via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.meta import classify

PLATFORM = Platform.INSTAGRAM
PROFILE_FIELDS = "user_id,username,name,account_type,followers_count,follows_count,media_count"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count"
)
ENGAGEMENT_FORMULA = "(likes + comments) / followers at fetch time * 100, per post; account = mean"
_KINDS = {"REELS": "reel", "STORY": "story", "VIDEO": "video", "CAROUSEL_ALBUM": "carousel"}


class InstagramClient:
    platform = PLATFORM
    supports_pkce = False

    def __init__(
        self,
        settings: InstagramSettings,
        client: httpx.AsyncClient,
        *,
        emulator_url: str | None = None,
    ) -> None:
        self.settings = settings
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.graph = via_emulator(settings.graph_url, emulator_url).rstrip("/")
        self.http = PlatformHttp(
            PLATFORM,
            client,
            lambda response: classify(PLATFORM, response),
            requests_per_minute=settings.requests_per_minute,
            max_retries=settings.max_retries,
            timeout_seconds=settings.timeout_seconds,
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
                "code": code,
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
            expires_in=_int_or_none(long_lived.get("expires_in")),
            scopes=_permissions(short.get("permissions")),
            platform_user_id=str(short["user_id"]) if short.get("user_id") else None,
        )

    async def refresh(self, *, access_token: str, refresh_token: str | None = None) -> TokenGrant:
        body = await self.http.json(
            "GET",
            f"{self.graph}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": access_token},
        )
        return TokenGrant(
            access_token=str(body["access_token"]), expires_in=_int_or_none(body.get("expires_in"))
        )

    async def revoke(self, *, access_token: str) -> bool:
        """Instagram Login documents no revoke endpoint: nothing to call."""
        return False

    # --- Data --------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.graph}/{self.settings.api_version}/{path.lstrip('/')}"

    async def identity(self, access_token: str) -> AccountIdentity:
        me = await self.http.json(
            "GET",
            self._url("me"),
            params={"fields": "user_id,username,name"},
            headers=_bearer(access_token),
        )
        return AccountIdentity(
            platform_user_id=str(me.get("user_id") or me["id"]),
            username=str(me.get("username") or me["id"]),
            display_name=me.get("name"),
        )

    async def fetch_snapshot(self, access_token: str) -> SnapshotData:
        headers = _bearer(access_token)
        me = await self.http.json(
            "GET", self._url("me"), params={"fields": PROFILE_FIELDS}, headers=headers
        )
        followers = _int_or_none(me.get("followers_count"))
        items = await self._recent_media(headers, followers)
        data = SnapshotData(
            followers=followers,
            following=_int_or_none(me.get("follows_count")),
            posts=_int_or_none(me.get("media_count")),
            engagement_formula=ENGAGEMENT_FORMULA,
            recent_items=items,
            engagement_rate=mean_rate(items),
        )
        if me.get("account_type") not in (None, "BUSINESS", "MEDIA_CREATOR", "CREATOR"):
            data.missing_metrics.append("insights:account_type_unsupported")
        return data

    async def _recent_media(
        self, headers: dict[str, str], followers: int | None
    ) -> list[ContentItem]:
        items: list[ContentItem] = []
        url: str | None = self._url("me/media")
        params: dict[str, Any] | None = {"fields": MEDIA_FIELDS, "limit": self.settings.page_size}
        for _ in range(self.settings.max_pages):
            if url is None:
                break
            page = await self.http.json("GET", url, params=params, headers=headers)
            items.extend(_media_item(m, followers) for m in page.get("data", []))
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if not (page.get("paging") or {}).get("next") or not after:
                break
            params = {"fields": MEDIA_FIELDS, "limit": self.settings.page_size, "after": after}
        return items


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _media_item(media: dict[str, Any], followers: int | None) -> ContentItem:
    likes = _int_or_none(media.get("like_count"))
    comments = _int_or_none(media.get("comments_count"))
    interactions = (likes or 0) + (comments or 0)
    kind = _KINDS.get(str(media.get("media_product_type"))) or _KINDS.get(
        str(media.get("media_type")), "post"
    )
    return ContentItem(
        item_id=str(media["id"]),
        kind=kind,
        published_at=_parse_time(media.get("timestamp")),
        url=media.get("permalink"),
        caption=(media.get("caption") or None) and str(media["caption"])[:2200],
        likes=likes,
        comments=comments,
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


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Meta writes +0000
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
