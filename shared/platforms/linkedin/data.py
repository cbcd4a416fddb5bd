"""LinkedIn member data: identity, the daily snapshot (followers, post analytics), history."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from shared.events.snapshots import SnapshotMetrics
from shared.platforms.base import AccountIdentity, HistoryPoint, int_or_none, mean_rate
from shared.platforms.http import PlatformHttp
from shared.platforms.linkedin.parsing import (
    date_range,
    elements,
    entity_param,
    has_next,
    interactions_rate,
    metric_name,
    post_item,
    range_start,
    total_count,
)
from shared.platforms.linkedin.settings import (
    DAILY_QUERY_TYPES,
    ENGAGEMENT_FORMULA,
    HISTORY_DAYS,
    METRIC_FIELDS,
    POSTS_LIST,
    QUERY_TYPES,
    RESTLI_PROTOCOL,
    Settings,
)
from shared.platforms.resilience import RefusedMetrics, fetch_metrics


class LinkedInData:
    """The data side of :class:`~shared.platforms.linkedin.client.LinkedInClient`."""

    settings: Settings
    http: PlatformHttp
    api: str
    refused: RefusedMetrics
    today: Callable[[], date]

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
        rate = mean_rate(items) if items else interactions_rate(totals, followers)
        return SnapshotMetrics(
            followers=followers,
            engagement_rate=rate,
            reach=totals.get("MEMBERS_REACHED"),
            views=totals.get("IMPRESSION"),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics={
                METRIC_FIELDS[k]: float(v)
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
                metrics.setdefault(day, {})[METRIC_FIELDS[name]] = float(count)
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
                if len(found) < size or not has_next(body):
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
