"""Instagram data: the daily snapshot and history (both logins), and Instagram Login's paths."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from shared import clock
from shared.events.snapshots import SnapshotMetrics
from shared.platforms.base import AccountIdentity, HistoryPoint, int_or_none, mean_rate
from shared.platforms.http import PlatformHttp
from shared.platforms.instagram.media import InstagramMedia
from shared.platforms.instagram.parsing import media_item, with_expansion
from shared.platforms.instagram.settings import (
    ACCOUNT_TOTALS,
    ENGAGEMENT_FORMULA,
    HISTORY_DAYS,
    HISTORY_METRICS,
    PROFILE_FIELDS,
    S,
    Settings,
)
from shared.platforms.meta import daily_insights_query, end_time_day, insight_values, utc_midnight
from shared.platforms.resilience import RefusedMetrics, fetch_metrics


class InstagramGraphData(InstagramMedia[S]):
    """Instagram's data (profile, media, insights, history), the same through both logins.

    A login says how to GET a Graph API path (:meth:`_get`), where the profile and the media
    are (:meth:`_profile`, :meth:`_media_edge`) and how far its history window reaches
    (:meth:`_history_until`); fields, metrics, mapping and the refusal memory are common. How
    the recent posts are read (2 calls a sync, the per-post fallback, what is remembered):
    :class:`~shared.platforms.instagram.media.InstagramMedia`.
    """

    def __init__(self, settings: S) -> None:
        self.settings = settings
        self.refused = RefusedMetrics()
        #: Seconds since the epoch; replaceable so tests can pin the insights windows.
        self.clock: Callable[[], float] = clock.timestamp

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


class InstagramLoginData(InstagramGraphData[Settings]):
    """Instagram Login's side of the data: graph.instagram.com, ``/me`` and ``/me/media``."""

    graph: str
    http: PlatformHttp

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
