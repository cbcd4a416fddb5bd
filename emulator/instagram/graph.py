"""graph.instagram.com: token exchange/refresh, user and media nodes, insights.

One catch-all route dispatches on path segments so the version prefix (``/v21.0``) stays optional
and unknown objects get Meta's error instead of a framework 404.

The user node answers field expansion (:meth:`GraphApi.user_node`): its ``media`` edge nested in
the same request, ``.limit()``-ed and cursor-paged, each post optionally with its own
``insights.metric(…)``. The request is checked as a whole first, so one retired metric (or a
missing insights permission) fails all of it — code 100 (10) — exactly as the per-media
``/{media-id}/insights`` route does. So does one post without insights (a ``business_conversion``
fault: posted before the account became a business account, code 100 / subcode 2108006), whose
own ``/{media-id}/insights`` is refused whatever the metrics.
"""

from collections.abc import Sequence
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import URL, QueryParams

from emulator.creators import (
    Creator,
    day_activity,
    followers,
    get_creator,
    new_followers,
    post_dates,
    posts_published,
)
from emulator.instagram.context import PLATFORM, InstagramContext
from emulator.instagram.data import (
    BASIC_SCOPE,
    FOLLOWER_COUNT_DAYS,
    FOLLOWER_COUNT_MIN_FOLLOWERS,
    INSIGHTS_SCOPE,
    MEDIA_FIELDS,
    MEDIA_METRICS,
    RETIRED_ACCOUNT_METRICS,
    RETIRED_MEDIA_METRICS,
    SERIES_METRICS,
    TOTAL_METRICS,
    USER_FIELDS,
    creator_for_user_node,
    end_time,
    media_item,
    media_metric_values,
    parse_media_id,
    professional_id,
    user_profile,
)
from emulator.instagram.tokens import IgToken, mint_token, parse_token
from emulator.meta import (
    FieldSpec,
    MetaError,
    app_rate_limited,
    bearer_answer,
    check_metrics,
    check_session,
    fields,
    invalid_parameter,
    media_before_conversion,
    metrics,
    missing_token,
    no_permission,
    page_indices,
    paging_of,
    parse_fields,
    path_segments,
    pick,
    plain_fields,
    raw_token,
    render_fields,
    server_error,
    timestamp_param,
    unknown_edge,
    unknown_object,
    unparsable_token,
    utc_day,
)
from emulator.usage import EXHAUSTED, UsageMeter

MAX_RANGE_S = 30 * 86400
#: Edges of the user node that field expansion can nest.
USER_EDGES = ("media",)
#: Modifiers the nested ``media`` edge takes (cursor paging, as ``/{ig-user}/media``).
MEDIA_EDGE_MODIFIERS = ("limit", "after", "before")
#: Modifiers a post's nested ``insights`` takes; ``metric`` is required.
MEDIA_INSIGHTS_MODIFIERS = ("metric", "period")
#: Keys of one insights entry (what ``insights.metric(…){…}`` may pick).
INSIGHT_ENTRY_FIELDS = ("name", "period", "values", "title", "description", "id")


class GraphApi:
    """Request handling for graph.instagram.com, bound to one emulator instance."""

    def __init__(self, ctx: InstagramContext) -> None:
        self.ctx = ctx
        self.core = ctx.core

    # -- entry point -------------------------------------------------------------------------

    async def handle(self, path: str, request: Request) -> Response:
        """Dispatch, turning Meta errors into responses and stamping ``X-App-Usage``."""
        usage = self.ctx.usage.record(self.core.now())
        try:
            response = self._dispatch(path, request)
        except MetaError as err:
            response = err.response()
            if err.code == 4:
                usage = EXHAUSTED
        response.headers["X-App-Usage"] = UsageMeter.header(usage)
        return response

    def _dispatch(self, path: str, request: Request) -> Response:
        segments = path_segments(path)
        params = request.query_params
        raw = raw_token(request)
        parsed = parse_token(self.core.signer, raw) if raw else None
        self._injected_faults(parsed.account if parsed else None)

        if segments == ["access_token"]:
            return self._exchange(params, raw, parsed)
        if segments == ["refresh_access_token"]:
            return self._refresh(params, raw, parsed)
        token, creator = self._authenticate(raw, parsed)
        if not segments:
            raise invalid_parameter("Unsupported get request.")
        node, edge = segments[0], segments[1:]
        if node == "me" or creator_for_user_node(node) is not None:
            if node != "me" and creator_for_user_node(node) is not creator:
                raise unknown_object(node)
            return self._user(token, creator, edge, params, request)
        media = parse_media_id(node)
        if media is not None:
            return self._media_node(token, creator, media, node, edge, params)
        raise unknown_object(node)

    def _injected_faults(self, account: str | None) -> None:
        fault = self.core.faults.take(PLATFORM, ("rate_limit", "server_error"), account)
        if fault is None:
            return
        if fault.spec.kind == "rate_limit":
            raise app_rate_limited(fault.retry_after_headers())
        raise server_error()

    # -- tokens ------------------------------------------------------------------------------

    def _authenticate(self, raw: str | None, parsed: IgToken | None) -> tuple[IgToken, Creator]:
        """Validate a token: revoked → 190/460, expired → 190/463, garbage → 190."""
        if raw is None:
            raise missing_token()
        creator = get_creator(parsed.account) if parsed else None
        if parsed is None or creator is None:
            raise unparsable_token()
        check_session(self.core, PLATFORM, parsed.account, parsed.issued_at, parsed.expires_at)
        return parsed, creator

    def _long_token_answer(self, token: IgToken) -> Response:
        now = self.core.now()
        ttl = self.core.settings.instagram_long_token_ttl_s
        new = IgToken(
            account=token.account,
            kind="long",
            issued_at=now,
            expires_at=now + ttl,
            client_id=token.client_id,
            scopes=token.scopes,
        )
        return bearer_answer(mint_token(self.core.signer, new), ttl)

    def _exchange(self, params: QueryParams, raw: str | None, parsed: IgToken | None) -> Response:
        """Short-lived → long-lived token (``grant_type=ig_exchange_token``)."""
        if params.get("grant_type") != "ig_exchange_token":
            raise invalid_parameter("Unsupported grant_type: expected ig_exchange_token")
        if params.get("client_secret") != self.core.settings.instagram_client_secret:
            raise MetaError(101, "Error validating client secret.")
        token, _ = self._authenticate(raw, parsed)
        if token.kind != "short":
            raise invalid_parameter("Only short-lived access tokens can be exchanged")
        return self._long_token_answer(token)

    def _refresh(self, params: QueryParams, raw: str | None, parsed: IgToken | None) -> Response:
        """New 60-day token for a long-lived one that is ≥ 24 h old and still valid.

        Too young or short-lived tokens get code 100 "Unsupported request - method type: get"
        (what the real endpoint answers), not 190: the token itself is still good.
        """
        if params.get("grant_type") != "ig_refresh_token":
            raise invalid_parameter("Unsupported grant_type: expected ig_refresh_token")
        token, _ = self._authenticate(raw, parsed)
        if token.kind != "long":
            raise MetaError(
                100,
                "Unsupported request - method type: get. Only long-lived access tokens can be "
                "refreshed.",
                error_type="IGApiException",
            )
        age = self.core.now() - token.issued_at
        min_age = self.core.settings.instagram_min_refresh_age_s
        if age < min_age:
            raise MetaError(
                100,
                "Unsupported request - method type: get. The access token must be at least "
                f"{min_age} seconds old to be refreshed (it is {int(age)} seconds old).",
                error_type="IGApiException",
            )
        return self._long_token_answer(token)

    # -- user node ---------------------------------------------------------------------------

    def _user(
        self,
        token: IgToken,
        creator: Creator,
        edge: list[str],
        params: QueryParams,
        request: Request,
    ) -> Response:
        if BASIC_SCOPE not in token.scopes:
            raise no_permission()
        today = self.core.today()
        if not edge:
            insights = INSIGHTS_SCOPE in token.scopes and creator.professional
            return self.user_node(
                creator, user_profile(creator, today), request, insights_allowed=insights
            )
        if edge == ["media"]:
            insights = INSIGHTS_SCOPE in token.scopes and creator.professional
            return self.media_list(creator, request, insights_allowed=insights)
        if edge == ["insights"]:
            self._require_insights(token, creator)
            return self.account_insights(creator, params)
        raise unknown_edge(edge[0], "User")

    def user_node(
        self,
        creator: Creator,
        values: dict[str, object],
        request: Request,
        *,
        insights_allowed: bool,
        allowed: tuple[str, ...] = USER_FIELDS,
        node_type: str = "User",
        media_type: str = "Media",
        also_retired: frozenset[str] = frozenset(),
    ) -> Response:
        """The user node's ``fields``, with field expansion of its ``media`` edge.

        ``media.limit(n){id,…,insights.metric(views,reach)}`` nests one page of posts (newest
        first, cursors as ``/{ig-user}/media``) and each post's lifetime insights. Everything is
        checked before anything is answered: an unknown field, a retired metric (code 100) or
        insights without the permission (code 10) fail the whole request. A nested edge with no
        posts is left out of the answer, as the Graph API leaves out empty edges. Facebook Login's
        ``/{ig-user-id}`` node shares this (its own fields, type names and retired metrics).
        """
        specs = parse_fields(request.query_params.get("fields", ""))
        nested = [spec for spec in specs if spec.name in USER_EDGES]
        names = plain_fields([s for s in specs if s.name not in USER_EDGES], allowed, node_type)
        retired = self._retired_media_metrics(also_retired)
        for spec in nested:
            for key, _value in spec.modifiers:
                if key not in MEDIA_EDGE_MODIFIERS:
                    raise invalid_parameter(f"Unsupported modifier ({key}) on edge ({spec.name})")
            page_indices(0, QueryParams(dict(spec.modifiers)))  # a bad limit or cursor fails now
            self._check_media_fields(spec.children or (), media_type, retired, insights_allowed)
        body = pick(values, names)
        for spec in nested:
            query = QueryParams(dict(spec.modifiers))
            data, paging = self._media_page(
                creator, spec.children or (), query, self._edge_url(request, spec)
            )
            if data:
                body[spec.name] = {"data": data, **({"paging": paging} if paging else {})}
        return JSONResponse(body)

    def _check_media_fields(
        self,
        specs: Sequence[FieldSpec],
        media_type: str,
        retired: set[str],
        insights_allowed: bool,
    ) -> None:
        """Every field of a post known, every nested metric current, insights permitted."""
        for spec in specs:
            if spec.name != "insights":
                plain_fields([spec], MEDIA_FIELDS, media_type)
                continue
            for key, _value in spec.modifiers:
                if key not in MEDIA_INSIGHTS_MODIFIERS:
                    raise invalid_parameter(f"Unsupported modifier ({key}) on edge (insights)")
            check_metrics(_metric_names(spec), MEDIA_METRICS, retired)
            for entry in spec.children or ():
                plain_fields([entry], INSIGHT_ENTRY_FIELDS, "InsightsResult")
            if not insights_allowed:
                raise no_permission()

    def _media_page(
        self, creator: Creator, specs: Sequence[FieldSpec], query: QueryParams, base: URL
    ) -> tuple[list[dict[str, object]], dict[str, object] | None]:
        """One page of posts (already checked ``specs``) and its paging links on ``base``."""
        names = plain_fields([s for s in specs if s.name != "insights"], MEDIA_FIELDS, "Media")
        insights = [s for s in specs if s.name == "insights"]
        today = self.core.today()
        total = posts_published(creator, today)
        indices = page_indices(total, query)
        data: list[dict[str, object]] = []
        for index in indices:
            item = pick(media_item(creator, index, today), names)
            for spec in insights:
                node = str(item["id"])
                entries = self._insight_entries(creator, index, node, _metric_names(spec))
                if spec.children:
                    keep = ["name", *(e.name for e in spec.children if e.name != "name")]
                    entries = [{k: e[k] for k in keep if k in e} for e in entries]
                item[spec.name] = {"data": entries}
            data.append(item)
        return data, paging_of(base, indices, total)

    @staticmethod
    def _edge_url(request: Request, spec: FieldSpec) -> URL:
        """Where a nested edge's ``next``/``previous`` links point: ``/{node}/{edge}``."""
        query: dict[str, str] = {"fields": render_fields(spec.children or ())}
        size = spec.modifier("limit")
        if size:
            query["limit"] = size
        token = request.query_params.get("access_token")
        if token:
            query["access_token"] = token
        path = request.url.path.rstrip("/") + "/" + spec.name
        return request.url.replace(path=path, query="").include_query_params(**query)

    def _require_insights(self, token: IgToken, creator: Creator) -> None:
        if INSIGHTS_SCOPE not in token.scopes or not creator.professional:
            raise no_permission()

    def media_list(
        self,
        creator: Creator,
        request: Request,
        *,
        insights_allowed: bool = False,
        also_retired: frozenset[str] = frozenset(),
    ) -> Response:
        """``/{ig-user}/media``: newest first; cursors are post indices, so pages stay stable
        as new posts appear. Each post may nest its ``insights.metric(…)`` (checked as a whole,
        like :meth:`user_node`)."""
        params = request.query_params
        specs = parse_fields(params.get("fields", ""))
        retired = self._retired_media_metrics(also_retired)
        self._check_media_fields(specs, "Media", retired, insights_allowed)
        data, paging = self._media_page(creator, specs, params, request.url)
        body: dict[str, object] = {"data": data}
        if paging is not None:
            body["paging"] = paging
        return JSONResponse(body)

    def account_insights(self, creator: Creator, params: QueryParams) -> Response:
        """``/{ig-user}/insights``: daily series (``follower_count``, ``reach``) or
        ``metric_type=total_value`` totals."""
        names = metrics(params)
        metric_type = params.get("metric_type", "time_series")
        retired = set(RETIRED_ACCOUNT_METRICS) | self.core.faults.retired_metrics(PLATFORM)
        if metric_type == "total_value":
            check_metrics(names, TOTAL_METRICS, retired)
        elif metric_type == "time_series":
            check_metrics(names, SERIES_METRICS, retired, totals_only=TOTAL_METRICS)
        else:
            raise invalid_parameter(
                "metric_type must be one of the following values: time_series, total_value"
            )
        if params.get("period") != "day":
            raise invalid_parameter("period must be one of the following values: day")
        days = self._insight_days(params, default_span=1 if metric_type == "total_value" else 2)
        node_id = professional_id(creator)
        data: list[dict[str, object]] = []
        for name in names:
            catalogue = TOTAL_METRICS if metric_type == "total_value" else SERIES_METRICS
            title, description = catalogue[name]
            entry: dict[str, object] = {"name": name, "period": "day"}
            if metric_type == "total_value":
                entry["title"] = title
                entry["description"] = description
                entry["total_value"] = {
                    "value": sum(self._day_value(creator, name, d) for d in days)
                }
            else:
                entry["values"] = self._series(creator, name, days)
                entry["title"] = title
                entry["description"] = description
            entry["id"] = f"{node_id}/insights/{name}/day"
            data.append(entry)
        return JSONResponse({"data": data})

    def _insight_days(self, params: QueryParams, default_span: int) -> list[date]:
        """Days D with ``day(since) < D <= day(until)`` and D <= today.

        The value for D covers the day ending at D 08:00 UTC (midnight Pacific), so a window's
        follower gains add up to ``followers(until) - followers(since)``.
        """
        today = self.core.today()
        since, until = timestamp_param(params, "since"), timestamp_param(params, "until")
        if since is not None and until is not None:
            if until < since:
                raise invalid_parameter("Param since must be earlier than until")
            if until - since > MAX_RANGE_S:
                raise invalid_parameter(
                    f"There cannot be more than 30 days ({MAX_RANGE_S} s) between since and until"
                )
        until_day = utc_day(until) if until is not None else today
        since_day = (
            utc_day(since) if since is not None else until_day - timedelta(days=default_span)
        )
        if until is None and since is not None and (until_day - since_day).days > 30:
            raise invalid_parameter(
                f"There cannot be more than 30 days ({MAX_RANGE_S} s) between since and until"
            )
        last = min(until_day, today)
        count = (last - since_day).days
        return [since_day + timedelta(days=i) for i in range(1, count + 1)]

    def _day_value(self, creator: Creator, name: str, day: date) -> int:
        if name == "follower_count":
            return new_followers(creator, day)
        activity = day_activity(creator, day - timedelta(days=1))
        if name == "total_interactions":
            return activity.interactions
        value = getattr(activity, name)
        assert isinstance(value, int)
        return value

    def _series(self, creator: Creator, name: str, days: list[date]) -> list[dict[str, object]]:
        if name == "follower_count":
            today = self.core.today()
            if followers(creator, today) < FOLLOWER_COUNT_MIN_FOLLOWERS:
                return []
            oldest = today - timedelta(days=FOLLOWER_COUNT_DAYS)
            days = [d for d in days if d > oldest]
        return [{"value": self._day_value(creator, name, d), "end_time": end_time(d)} for d in days]

    # -- media node --------------------------------------------------------------------------

    def _media_node(
        self,
        token: IgToken,
        creator: Creator,
        media: tuple[Creator, int],
        node: str,
        edge: list[str],
        params: QueryParams,
    ) -> Response:
        owner, index = media
        today = self.core.today()
        if owner is not creator or index >= posts_published(owner, today):
            raise unknown_object(node)
        if BASIC_SCOPE not in token.scopes:
            raise no_permission()
        if not edge:
            names = fields(params, MEDIA_FIELDS, "Media")
            return JSONResponse(pick(media_item(owner, index, today), names))
        if edge != ["insights"]:
            raise unknown_edge(edge[0], "Media")
        self._require_insights(token, creator)
        return self.media_insights(owner, index, node, params)

    def media_insights(
        self,
        owner: Creator,
        index: int,
        node: str,
        params: QueryParams,
        also_retired: frozenset[str] = frozenset(),
    ) -> Response:
        """``/{ig-media}/insights``: lifetime metrics; ``also_retired`` adds retired names."""
        names = metrics(params)
        check_metrics(names, MEDIA_METRICS, self._retired_media_metrics(also_retired))
        return JSONResponse({"data": self._insight_entries(owner, index, node, names)})

    def _retired_media_metrics(self, also_retired: frozenset[str]) -> set[str]:
        return (
            set(RETIRED_MEDIA_METRICS) | also_retired | self.core.faults.retired_metrics(PLATFORM)
        )

    def _insight_entries(
        self, owner: Creator, index: int, node: str, names: list[str]
    ) -> list[dict[str, object]]:
        """The lifetime insights of one post, one entry per metric (both routes' shape); none at
        all for a post published before the account's business conversion (a fault)."""
        converted = self.core.faults.converted_on(PLATFORM, owner.key)
        if converted is not None and post_dates(owner)[index] < converted:
            raise media_before_conversion()
        values = media_metric_values(owner, index, self.core.today())
        return [
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": values[name]}],
                "title": MEDIA_METRICS[name][0],
                "description": MEDIA_METRICS[name][1],
                "id": f"{node}/insights/{name}/lifetime",
            }
            for name in names
        ]


def _metric_names(spec: FieldSpec) -> list[str]:
    """The ``.metric(…)`` list of a nested ``insights`` (required, as the route's ``metric``)."""
    names = [m.strip() for m in (spec.modifier("metric") or "").split(",") if m.strip()]
    if not names:
        raise invalid_parameter("The parameter metric is required")
    return names


def build_graph_router(ctx: InstagramContext) -> APIRouter:
    """The catch-all graph.instagram.com route."""
    router = APIRouter()
    api = GraphApi(ctx)

    @router.get("/graph.instagram.com/{path:path}", response_model=None)
    async def graph(path: str, request: Request) -> Response:
        """Every Graph API GET, with or without a ``/vNN.N`` prefix."""
        return await api.handle(path, request)

    return router
