"""TikTok Display API v2: identity, the daily snapshot (profile and videos), no history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.events.snapshots import SnapshotMetrics
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    mean_rate,
)
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics, fetch_metrics
from shared.platforms.tiktok.parsing import int_or_none, video_item
from shared.platforms.tiktok.settings import (
    ENGAGEMENT_FORMULA,
    IDENTITY_FIELDS,
    MAX_COUNT,
    PLATFORM,
    USER_METRICS,
    VIDEO_FIELDS,
    VIDEO_METRICS,
    Settings,
)


class TikTokData:
    """The data side of :class:`~shared.platforms.tiktok.client.TikTokClient`."""

    settings: Settings
    http: PlatformHttp
    api: str
    refused: RefusedMetrics

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
