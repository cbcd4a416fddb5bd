"""YouTube Data API v3 + Analytics API v2: identity, the daily snapshot, daily history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from shared.events.snapshots import SnapshotMetrics
from shared.logging import get_logger
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    int_or_none,
    mean_rate,
)
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics, fetch_metrics
from shared.platforms.youtube.parsing import (
    channel_metrics,
    parse_time,
    report_columns,
    subscribers,
    video_item,
)
from shared.platforms.youtube.settings import (
    ANALYTICS_METRICS,
    ENGAGEMENT_FORMULA,
    MAX_IDS_PER_CALL,
    PACIFIC,
    PLATFORM,
    UNIT_COSTS,
    Settings,
)

#: Logged under the package's name, as when YouTube was one module.
log = get_logger(__package__)


class YouTubeData:
    """The data side of :class:`~shared.platforms.youtube.client.YouTubeClient`."""

    settings: Settings
    http: PlatformHttp
    clock: Callable[[], datetime]
    data_api: str
    analytics: str
    refused: RefusedMetrics
    units_used: int

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
