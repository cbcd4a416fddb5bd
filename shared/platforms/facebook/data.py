"""Facebook Page data: identity, the daily snapshot (counters, posts, insights), history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from shared.events.snapshots import SnapshotMetrics
from shared.platforms.base import AccountIdentity, HistoryPoint, int_or_none, mean_rate
from shared.platforms.facebook.oauth import FacebookLogin
from shared.platforms.facebook.parsing import post_item
from shared.platforms.facebook.settings import (
    ENGAGEMENT_FORMULA,
    HISTORY_METRICS,
    INSIGHTS_RETENTION_DAYS,
    INSIGHTS_WINDOW_DAYS,
    PAGE_COUNTERS,
    PAGE_METRICS,
    POST_FIELDS,
    SNAPSHOT_FIELDS,
    Settings,
)
from shared.platforms.meta import (
    cursor_pages,
    daily_insights_query,
    end_time_day,
    insight_values,
    utc_midnight,
)
from shared.platforms.resilience import RefusedMetrics, fetch_metrics


class FacebookPagesData:
    """The data side of :class:`~shared.platforms.facebook.client.FacebookPagesClient`."""

    settings: Settings
    login: FacebookLogin
    refused: RefusedMetrics
    clock: Callable[[], float]

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
        extra = {k: float(v) for k, v in insights.items() if k not in SNAPSHOT_FIELDS}
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
