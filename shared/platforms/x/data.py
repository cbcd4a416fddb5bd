"""X API v2 data: identity, the daily snapshot (profile and one page of posts), no history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from shared.events.snapshots import SnapshotMetrics
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
from shared.platforms.x.errors import XApiError, raise_resource_refusal
from shared.platforms.x.parsing import Objects, account_metrics, post_item, refused_everywhere
from shared.platforms.x.settings import (
    ENGAGEMENT_FORMULA,
    TWEET_BASE_FIELDS,
    TWEET_METRIC_FIELDS,
    USER_BASE_FIELDS,
    USER_METRIC_FIELDS,
    Settings,
)


class _Escalated(Exception):
    """Carries a refusal of the whole call (not of a field) past the per-field fallback."""

    def __init__(self, error: PlatformError) -> None:
        super().__init__(str(error))
        self.error = error


Call = Callable[[Sequence[str]], Awaitable[tuple[Objects, Objects]]]


class XData:
    """The data side of :class:`~shared.platforms.x.client.XClient`."""

    settings: Settings
    http: PlatformHttp
    api: str
    refused: RefusedMetrics

    async def _get(self, path: str, token: str, params: dict[str, Any]) -> Any:
        return await self.http.json(
            "GET",
            f"{self.api}/{path.lstrip('/')}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def identity(self, access_token: str) -> AccountIdentity:
        body = await self._get("users/me", access_token, {"user.fields": "id,name,username"})
        me = _data_object(body)
        return AccountIdentity(
            platform_user_id=str(me["id"]),
            username=str(me.get("username") or me["id"]),
            display_name=me.get("name"),
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        me, refused_user, _ = await self._with_fields(
            USER_METRIC_FIELDS, f"{account_id}:user", "user.fields", self._me_call(access_token)
        )
        user = me[0] if me else {}
        metrics = user.get("public_metrics") or {}
        followers = int_or_none(metrics.get("followers_count"))
        user_id = str(user.get("id") or account_id)
        tweets, refused_tweets, partial = await self._with_fields(
            TWEET_METRIC_FIELDS,
            f"{account_id}:tweet",
            "tweet.fields",
            self._timeline_call(access_token, user_id),
        )
        username = str(user.get("username") or "i")  # x.com/i/status/<id> needs no name
        items = [post_item(t, followers, username) for t in tweets]
        refused = {f"user.{name}" for name in refused_user}
        refused |= {f"tweet.{name}" for name in refused_tweets}
        refused |= {f"tweet.{name}" for name in refused_everywhere(partial, tweets)}
        return SnapshotMetrics(
            followers=followers,
            following=int_or_none(metrics.get("following_count")),
            posts=int_or_none(metrics.get("tweet_count")),
            engagement_rate=mean_rate(items),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics=account_metrics(metrics, tweets),
            recent_items=items,
            missing_metrics=sorted(refused),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """X keeps no daily account history: the snapshots we store are the history."""
        return []

    def _me_call(self, token: str) -> Call:
        async def call(fields: Sequence[str]) -> tuple[Objects, Objects]:
            params = {"user.fields": ",".join([*USER_BASE_FIELDS, *fields])}
            return [_data_object(await self._get("users/me", token, params))], []

        return call

    def _timeline_call(self, token: str, user_id: str) -> Call:
        """Newest posts, ``max_pages`` pages of ``page_size`` at most; partial errors kept."""
        size = max(5, min(100, self.settings.page_size))

        async def call(fields: Sequence[str]) -> tuple[Objects, Objects]:
            params: dict[str, Any] = {
                "max_results": size,
                "tweet.fields": ",".join([*TWEET_BASE_FIELDS, *fields]),
            }
            if self.settings.exclude:
                params["exclude"] = self.settings.exclude
            posts: Objects = []
            errors: Objects = []
            for _ in range(max(1, self.settings.max_pages)):
                page = await self._get(f"users/{user_id}/tweets", token, params)
                raise_resource_refusal(page)
                posts.extend(page.get("data") or [])
                errors.extend(e for e in page.get("errors") or [] if isinstance(e, dict))
                next_token = (page.get("meta") or {}).get("next_token")
                if not next_token:
                    break
                params = {**params, "pagination_token": next_token}
            return posts, errors

        return call

    async def _with_fields(
        self, names: Sequence[str], account: str, parameter: str, call: Call
    ) -> tuple[Objects, list[str], Objects]:
        """Objects asked with the metric fields ``names``; the fields refused; partial errors.

        A 400 naming fields drops just those (remembered per account, never asked again) and
        asks once more; anything else refusing the whole call is raised as it is.
        """
        merged: dict[str, dict[str, Any]] = {}
        partial: Objects = []
        answered = False

        async def attempt(wanted: Sequence[str]) -> dict[str, bool]:
            nonlocal answered
            asked = list(wanted)
            while True:
                try:
                    objects, errors = await call(asked)
                except XApiError as error:
                    dropped = error.refused_values(parameter) & set(asked)
                    if dropped:
                        self.refused.add(account, sorted(dropped))
                        asked = [name for name in asked if name not in dropped]
                        continue
                    if error.problem != "invalid-request":
                        raise _Escalated(error) from error
                    raise  # refused without naming a field: resilience asks one by one
                except PlatformError as error:
                    raise _Escalated(error) from error
                answered = True
                _merge(merged, objects)
                partial.extend(errors)
                return dict.fromkeys(asked, True)

        try:
            granted, _ = await fetch_metrics(names, attempt, account=account, memory=self.refused)
            if not answered:  # every field was refused before: still list the objects
                await attempt([])
        except _Escalated as escalated:
            raise escalated.error from None
        return list(merged.values()), [n for n in names if n not in granted], partial


def _data_object(body: Any) -> dict[str, Any]:
    raise_resource_refusal(body)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or "id" not in data:
        raise XApiError(ErrorClass.TRANSIENT, "answer without data.id")
    return data


def _merge(merged: dict[str, dict[str, Any]], objects: Objects) -> None:
    for obj in objects:
        merged.setdefault(str(obj.get("id")), {}).update(obj)
