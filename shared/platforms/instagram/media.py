"""The profile, the recent posts and their insights, the same through both Instagram logins."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic

from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.instagram.errors import PostRefused, refuses_the_object
from shared.platforms.instagram.settings import MEDIA_FIELDS, MEDIA_METRICS, S
from shared.platforms.meta import cursor_pages, insight_values
from shared.platforms.resilience import RefusedMetrics, fetch_metrics


@dataclass
class RecentMedia:
    """What a sync reads before the account totals: the profile, its recent posts, their
    insights (by post id) and the media metrics refused (reported as ``media.<name>``)."""

    profile: dict[str, Any]
    node: str
    media: list[dict[str, Any]]
    insights: dict[str, dict[str, int]]
    refused: set[str]


class InstagramMedia(ABC, Generic[S]):
    """The recent posts with their insights, by field expansion or, refused, post by post.

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

    settings: S
    refused: RefusedMetrics

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

        A post refused as such (:class:`PostRefused`) has its metrics reported missing but
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
                        raise PostRefused(media_id) from error
                    raise
                return insight_values(body)

            try:
                values, missing = await fetch_metrics(
                    MEDIA_METRICS,
                    one,
                    account=self._media_memory_key(node, item),
                    memory=self.refused,
                )
            except PostRefused:
                refused.update(MEDIA_METRICS)
                continue
            insights[media_id] = values
            refused.update(missing)
            everywhere = set(missing) if everywhere is None else everywhere & set(missing)
        return insights, refused, everywhere or set()
