"""graph.facebook.com: token endpoints, user, Page and post nodes, Page insights, and the
Instagram professional account reached through Facebook Login.

One catch-all route per method dispatches on path segments (the ``/vNN.N`` prefix is optional)
so unknown objects get Meta's error instead of a framework 404. The Instagram nodes reuse the
Instagram emulator's data and request handling, so both logins show the same numbers.
"""

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from emulator.core import FastJSONResponse, json_bytes, raw_json_response
from emulator.creators import Creator, get_creator, posts_published
from emulator.facebook.context import PLATFORM, FacebookContext
from emulator.facebook.data import (
    ACCOUNT_FIELDS,
    ENGAGEMENT_SCOPE,
    IG_BASIC_SCOPE,
    IG_INSIGHTS_SCOPE,
    IG_USER_FIELDS,
    INSIGHTS_MAX_WINDOW_DAYS,
    INSIGHTS_MIN_FOLLOWERS,
    INSIGHTS_RETENTION_DAYS,
    INSIGHTS_SCOPE,
    PAGE_FIELDS,
    PAGE_METRICS,
    PAGES_SCOPE,
    POST_FIELDS,
    RETIRED_METRIC_PREFIXES,
    USER_FIELDS,
    creator_for_page,
    creator_for_user,
    has_page,
    ig_user_node,
    page_followers,
    page_id,
    page_metric_value,
    page_node,
    post_counts,
    post_node,
    user_id,
)
from emulator.facebook.tokens import FbToken, mint_token, parse_token
from emulator.instagram.context import InstagramContext
from emulator.instagram.data import (
    MEDIA_FIELDS,
    creator_for_user_node,
    end_time,
    media_item,
    parse_media_id,
    professional_id,
)
from emulator.instagram.graph import GraphApi
from emulator.meta import (
    CODE_TTL_S,
    MetaError,
    app_rate_limited,
    bearer_answer,
    check_session,
    encode_cursor,
    fields,
    invalid_parameter,
    metrics,
    missing_token,
    no_permission,
    page_indices,
    paged,
    parse_code,
    path_segments,
    pick,
    raw_token,
    server_error,
    timestamp_param,
    unknown_edge,
    unknown_object,
    unparsable_token,
    utc_day,
)
from emulator.usage import EXHAUSTED, UsageMeter

_FIELD_NAME = re.compile(r"^[A-Za-z_]+")
DEFAULT_RATE_LIMIT_MINUTES = 5


@dataclass(frozen=True)
class Business:
    """The object a call counts against for Business Use Case rate limits."""

    id: str
    type: str  # "pages" | "instagram"


def split_fields(raw: str) -> list[str]:
    """Top-level comma split of a ``fields`` value with expansions (``a.summary(x).limit(0)``)."""
    parts: list[str] = []
    depth, current = 0, ""
    for char in raw:
        depth += char in "({"
        depth -= char in ")}"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def _field_base(spec: str) -> str:
    match = _FIELD_NAME.match(spec)
    return match.group(0) if match else spec


def _edge_summary(spec: str, total: int, extra: dict[str, object]) -> dict[str, object]:
    """``reactions.summary(total_count).limit(0)`` → ``{"data": [], "summary": {...}}``.

    Individual reactions and comments are not modelled: ``data`` is always empty.
    """
    edge: dict[str, object] = {"data": []}
    if ".summary(" in spec and ".summary(false)" not in spec:
        edge["summary"] = {"total_count": total, **extra}
    return edge


def _buc_header(business: Business, usage: dict[str, int], minutes: int) -> str:
    entry = {"type": business.type, **usage, "estimated_time_to_regain_access": minutes}
    return json_bytes({business.id: [entry]}).decode("utf-8")


class FacebookGraph:
    """Request handling for graph.facebook.com, bound to one emulator instance."""

    def __init__(self, ctx: FacebookContext) -> None:
        self.ctx = ctx
        self.core = ctx.core
        self.instagram = GraphApi(InstagramContext(ctx.core))

    # -- entry point -------------------------------------------------------------------------

    async def handle(self, method: str, path: str, request: Request) -> Response:
        """Dispatch; Meta errors become responses; usage headers are stamped on every answer."""
        now = self.core.now()
        usage = self.ctx.usage.record(now)
        segments = path_segments(path)
        raw = raw_token(request) or request.query_params.get("fb_exchange_token")
        parsed = parse_token(self.core.signer, raw) if raw else None
        business = self._business(parsed, segments)
        buc = self.ctx.business_usage(business.id).record(now) if business else None
        try:
            self._injected_faults(parsed, business, request.query_params)
            response = self._dispatch(method, segments, request, raw, parsed)
        except MetaError as err:
            response = err.response()
            if err.code == 4 and business is None:
                usage = EXHAUSTED
        response.headers["X-App-Usage"] = UsageMeter.header(usage)
        if business is not None and buc is not None:
            response.headers.setdefault("X-Business-Use-Case-Usage", _buc_header(business, buc, 0))
        return response

    def _business(self, token: FbToken | None, segments: list[str]) -> Business | None:
        if token is not None and token.kind == "page" and token.page_id:
            return Business(token.page_id, "pages")
        if not segments:
            return None
        media = parse_media_id(segments[0])
        owner = media[0] if media else creator_for_user_node(segments[0])
        if owner is not None and has_page(owner):
            return Business(professional_id(owner), "instagram")
        return None

    def _fault_account(self, token: FbToken | None, params: QueryParams) -> str | None:
        if token is not None:
            return token.account
        code = parse_code(self.core.signer, params.get("code", ""))
        return code.account if code else None

    def _injected_faults(
        self, token: FbToken | None, business: Business | None, params: QueryParams
    ) -> None:
        account = self._fault_account(token, params)
        fault = self.core.faults.take(PLATFORM, ("rate_limit", "server_error"), account)
        if fault is None:
            return
        if fault.spec.kind == "server_error":
            raise server_error()
        wait = fault.spec.retry_after
        minutes = DEFAULT_RATE_LIMIT_MINUTES if wait is None else math.ceil(wait / 60)
        if business is not None:
            headers = {"X-Business-Use-Case-Usage": _buc_header(business, EXHAUSTED, minutes)}
            if business.type == "pages":
                raise MetaError(32, "(#32) Page request limit reached", status=403, headers=headers)
            raise app_rate_limited(headers)
        if token is not None:
            raise MetaError(17, "(#17) User request limit reached", status=403)
        raise app_rate_limited()

    def _dispatch(
        self,
        method: str,
        segments: list[str],
        request: Request,
        raw: str | None,
        parsed: FbToken | None,
    ) -> Response:
        params = request.query_params
        if segments == ["oauth", "access_token"]:
            return self._oauth_token(params)
        token, creator = self._authenticate(raw, parsed)
        if not segments:
            raise invalid_parameter("Unsupported get request.")
        node, edge = segments[0], segments[1:]
        if node == "me":
            node = token.page_id if token.kind == "page" and token.page_id else user_id(creator)
        if creator_for_user(node) is not None:
            if creator_for_user(node) is not creator or not token.is_user:
                raise unknown_object(node)
            return self._user(method, token, creator, edge, params)
        if method != "GET":
            raise invalid_parameter(f"Unsupported {method.lower()} request.")
        if creator_for_page(node) is not None:
            if creator_for_page(node) is not creator:
                raise unknown_object(node)
            return self._page(token, creator, edge, request)
        if creator_for_user_node(node) is not None:
            if node != professional_id(creator) or not has_page(creator):
                raise unknown_object(node)
            return self._ig_user(token, creator, edge, request)
        media = parse_media_id(node)
        if media is not None:
            return self._ig_media(token, creator, media, node, edge, params)
        raise unknown_object(node)

    # -- tokens ------------------------------------------------------------------------------

    def _authenticate(self, raw: str | None, parsed: FbToken | None) -> tuple[FbToken, Creator]:
        """Deauthorized → 190/458, revoked → 190/460, expired → 190/463, garbage → 190."""
        if raw is None:
            raise missing_token()
        creator = get_creator(parsed.account) if parsed else None
        if parsed is None or creator is None:
            raise unparsable_token()
        deauthorized = self.ctx.deauthorized.get(parsed.account)
        if deauthorized is not None and parsed.issued_at <= deauthorized:
            raise MetaError(
                190,
                "Error validating access token: The user has not authorized application "
                f"{parsed.client_id}.",
                subcode=458,
            )
        check_session(self.core, PLATFORM, parsed.account, parsed.issued_at, parsed.expires_at)
        return parsed, creator

    def _user_token_answer(self, account: str, kind: str, scopes: tuple[str, ...]) -> Response:
        settings = self.core.settings
        ttl = (
            settings.facebook_long_token_ttl_s
            if kind == "long"
            else settings.facebook_short_token_ttl_s
        )
        now = self.core.now()
        token = FbToken(
            account=account,
            kind="long" if kind == "long" else "short",
            issued_at=now,
            expires_at=now + ttl,
            client_id=settings.facebook_app_id,
            scopes=scopes,
        )
        return bearer_answer(mint_token(self.core.signer, token), ttl)

    def _oauth_token(self, params: QueryParams) -> Response:
        """Code → short-lived user token; ``fb_exchange_token`` → long-lived user token."""
        settings = self.core.settings
        if params.get("client_id") != settings.facebook_app_id:
            raise MetaError(101, "Error validating application. Invalid application ID.")
        if params.get("client_secret") != settings.facebook_app_secret:
            raise MetaError(1, "Error validating client secret.")
        if params.get("grant_type") == "fb_exchange_token":
            raw_user = params.get("fb_exchange_token")
            user = parse_token(self.core.signer, raw_user) if raw_user else None
            token, _ = self._authenticate(raw_user, user)
            if not token.is_user:
                raise invalid_parameter("Only user access tokens can be exchanged")
            # A long-lived token is exchanged again for a fresh one (the ⚠ in the team notes).
            return self._user_token_answer(token.account, "long", token.scopes)
        return self._exchange_code(params)

    def _exchange_code(self, params: QueryParams) -> Response:
        raw = params.get("code")
        if not raw:
            raise invalid_parameter("Missing authorization code")
        code = parse_code(self.core.signer, raw)
        settings = self.core.settings
        if code is None or code.client_id != settings.facebook_app_id:
            raise invalid_parameter("Invalid verification code format.")
        expires_at = code.issued_at + CODE_TTL_S
        if self.core.now() > expires_at:
            raise MetaError(100, "This authorization code has expired.", subcode=36007)
        if params.get("redirect_uri") != code.redirect_uri:
            raise MetaError(
                100,
                "Error validating verification code. Please make sure your redirect_uri is "
                "identical to the one you used in the OAuth dialog request",
                subcode=36008,
            )
        if get_creator(code.account) is None or not self.ctx.use_code(code.nonce, expires_at):
            raise MetaError(100, "This authorization code has been used.", subcode=36009)
        return self._user_token_answer(code.account, "short", code.scopes)

    # -- user node ---------------------------------------------------------------------------

    def _user(
        self, method: str, token: FbToken, creator: Creator, edge: list[str], params: QueryParams
    ) -> Response:
        if edge == ["permissions"]:
            if method == "DELETE":
                self.ctx.deauthorized[creator.key] = self.core.now()
                return FastJSONResponse({"success": True})
            data = [{"permission": s, "status": "granted"} for s in token.scopes]
            return FastJSONResponse({"data": data})
        if method != "GET":
            raise invalid_parameter(f"Unsupported {method.lower()} request.")
        if not edge:
            values: dict[str, object] = {
                "id": user_id(creator),
                "name": creator.display_name,
                "first_name": creator.display_name.split()[0],
                "last_name": creator.display_name.split()[-1],
            }
            return FastJSONResponse(pick(values, fields(params, USER_FIELDS, "User")))
        if edge == ["accounts"]:
            return self._accounts(token, creator, params)
        raise unknown_edge(edge[0], "User")

    def _accounts(self, token: FbToken, creator: Creator, params: QueryParams) -> Response:
        """The Pages the user manages, each with a Page token derived from the user token."""
        names = fields(params, ACCOUNT_FIELDS, "Page")
        if PAGES_SCOPE not in token.scopes or not has_page(creator):
            return FastJSONResponse({"data": []})
        values: dict[str, object] = {**page_node(creator, self.core.today()), "tasks": ["ANALYZE"]}
        if "access_token" in names:
            values["access_token"] = self._page_token(token, creator)
        page = pick(values, names)
        cursor = encode_cursor(0)
        return FastJSONResponse(
            {"data": [page], "paging": {"cursors": {"before": cursor, "after": cursor}}}
        )

    def _page_token(self, user: FbToken, creator: Creator) -> str:
        """Derived from a long-lived token it never expires; from a short one it dies with it."""
        page = FbToken(
            account=creator.key,
            kind="page",
            issued_at=self.core.now(),
            expires_at=None if user.kind == "long" else user.expires_at,
            client_id=user.client_id,
            scopes=user.scopes,
            page_id=page_id(creator),
        )
        return mint_token(self.core.signer, page)

    # -- Page node ---------------------------------------------------------------------------

    def _page(
        self, token: FbToken, creator: Creator, edge: list[str], request: Request
    ) -> Response:
        params = request.query_params
        if ENGAGEMENT_SCOPE not in token.scopes:
            raise no_permission()
        retired = self.core.faults.retired_metrics(PLATFORM)
        if not edge:
            allowed = tuple(f for f in PAGE_FIELDS if f not in retired)
            names = fields(params, allowed, "Page")
            today = self.core.today()
            key = ("facebook-page", creator.key, tuple(names), today)
            return raw_json_response(
                self.core.memo.get(key, lambda: json_bytes(pick(page_node(creator, today), names)))
            )
        if token.kind != "page":
            raise MetaError(210, "(#210) A page access token is required to request this resource.")
        if edge == ["posts"]:
            return self._posts(creator, request)
        if edge == ["insights"]:
            if INSIGHTS_SCOPE not in token.scopes:
                raise no_permission()
            return self._page_insights(creator, request)
        raise unknown_edge(edge[0], "Page")

    def _posts(self, creator: Creator, request: Request) -> Response:
        """Newest first, cursor-paged; reaction/comment counts through field expansion.

        A page (its paging links included) is a pure function of the creator, the request's
        URL and the date: it is rendered once and then reused.
        """
        params = request.query_params
        specs = split_fields(params.get("fields", "id,message,created_time"))
        for spec in specs:
            if _field_base(spec) not in POST_FIELDS:
                raise unknown_edge(_field_base(spec), "PagePost")
        today = self.core.today()

        def render() -> bytes:
            total = posts_published(creator, today)
            indices = page_indices(total, params)
            data = [self._post(creator, i, today, specs) for i in indices]
            return bytes(paged(request, data, indices, total).body)

        key = ("facebook-posts", creator.key, str(request.url), today)
        return raw_json_response(self.core.memo.get(key, render))

    def _post(
        self, creator: Creator, index: int, today: date, specs: list[str]
    ) -> dict[str, object]:
        node = post_node(creator, index, today)
        counts = post_counts(creator, index, today)
        out: dict[str, object] = {}
        for spec in specs:
            name = _field_base(spec)
            if name == "reactions":
                out[name] = _edge_summary(spec, counts.reactions, {"viewer_reaction": "NONE"})
            elif name == "comments":
                extra: dict[str, object] = {"order": "ranked", "can_comment": True}
                out[name] = _edge_summary(spec, counts.comments, extra)
            elif name in node:
                out[name] = node[name]
        out["id"] = node["id"]
        return out

    def _page_insights(self, creator: Creator, request: Request) -> Response:
        """Daily Page metrics, rendered once per creator, query, retired metrics and date."""
        retired = self.core.faults.retired_metrics(PLATFORM)
        today = self.core.today()
        query: bytes = request.scope.get("query_string", b"")
        key = ("facebook-insights", creator.key, query, frozenset(retired), today)
        return raw_json_response(
            self.core.memo.get(
                key,
                lambda: json_bytes(
                    self._page_insights_body(creator, request.query_params, retired, today)
                ),
            )
        )

    def _page_insights_body(
        self, creator: Creator, params: QueryParams, retired: set[str], today: date
    ) -> dict[str, object]:
        """One retired or unknown metric fails the whole request."""
        names = metrics(params)
        for name in names:
            if (
                name in retired
                or name.startswith(RETIRED_METRIC_PREFIXES)
                or name not in PAGE_METRICS
            ):
                raise invalid_parameter("The value must be a valid insights metric")
        if params.get("period", "day") != "day":
            raise invalid_parameter("Invalid period: only day is supported for these metrics")
        days = self._insight_days(params, today)
        if page_followers(creator, today) < INSIGHTS_MIN_FOLLOWERS:
            return {"data": []}
        node = page_id(creator)
        data = [
            {
                "name": name,
                "period": "day",
                "values": [
                    {"value": page_metric_value(creator, name, d), "end_time": end_time(d)}
                    for d in days
                ],
                "title": PAGE_METRICS[name][0],
                "description": PAGE_METRICS[name][1],
                "id": f"{node}/insights/{name}/day",
            }
            for name in names
        ]
        return {"data": data}

    def _insight_days(self, params: QueryParams, today: date) -> list[date]:
        """Days D with ``day(since) < D <= day(until)``, D <= today, within the 2-year retention."""
        since, until = timestamp_param(params, "since"), timestamp_param(params, "until")
        until_day = utc_day(until) if until is not None else today
        since_day = utc_day(since) if since is not None else until_day - timedelta(days=2)
        if since_day > until_day:
            raise invalid_parameter("Param since must be earlier than until")
        if (until_day - since_day).days > INSIGHTS_MAX_WINDOW_DAYS:
            seconds = INSIGHTS_MAX_WINDOW_DAYS * 86400
            raise invalid_parameter(
                f"There cannot be more than {INSIGHTS_MAX_WINDOW_DAYS} days ({seconds} s) "
                "between since and until"
            )
        oldest = today - timedelta(days=INSIGHTS_RETENTION_DAYS)
        last = min(until_day, today)
        days = [since_day + timedelta(days=i) for i in range(1, (last - since_day).days + 1)]
        return [d for d in days if d > oldest]

    # -- Instagram nodes ---------------------------------------------------------------------

    def _ig_scopes(self, token: FbToken, insights: bool) -> None:
        if not token.is_user or IG_BASIC_SCOPE not in token.scopes:
            raise no_permission()
        if insights and IG_INSIGHTS_SCOPE not in token.scopes:
            raise no_permission()

    def _ig_user(
        self, token: FbToken, creator: Creator, edge: list[str], request: Request
    ) -> Response:
        params = request.query_params
        self._ig_scopes(token, insights=edge == ["insights"])
        insights = IG_INSIGHTS_SCOPE in token.scopes
        retired = frozenset(self.core.faults.retired_metrics(PLATFORM))
        if not edge:
            return self.instagram.user_node(
                creator,
                ig_user_node(creator, self.core.today()),
                request,
                insights_allowed=insights,
                allowed=IG_USER_FIELDS,
                node_type="IGUser",
                media_type="IGMedia",
                also_retired=retired,
            )
        if edge == ["media"]:
            return self.instagram.media_list(
                creator, request, insights_allowed=insights, also_retired=retired
            )
        if edge == ["insights"]:
            self._refuse_facebook_retired(metrics(params))
            return self.instagram.account_insights(creator, params)
        raise unknown_edge(edge[0], "IGUser")

    def _refuse_facebook_retired(self, names: list[str]) -> None:
        """Metrics retired by a ``facebook`` fault (Instagram's own are checked by its handler)."""
        retired = self.core.faults.retired_metrics(PLATFORM)
        for i, name in enumerate(names):
            if name in retired:
                raise invalid_parameter(f"The {name} metric is no longer supported (metric[{i}])")

    def _ig_media(
        self,
        token: FbToken,
        creator: Creator,
        media: tuple[Creator, int],
        node: str,
        edge: list[str],
        params: QueryParams,
    ) -> Response:
        owner, index = media
        today = self.core.today()
        if owner is not creator or not has_page(owner) or index >= posts_published(owner, today):
            raise unknown_object(node)
        self._ig_scopes(token, insights=bool(edge))
        if not edge:
            names = fields(params, MEDIA_FIELDS, "IGMedia")
            return FastJSONResponse(pick(media_item(owner, index, today), names))
        if edge != ["insights"]:
            raise unknown_edge(edge[0], "IGMedia")
        also_retired = frozenset(self.core.faults.retired_metrics(PLATFORM))
        return self.instagram.media_insights(owner, index, node, params, also_retired)


def build_graph_router(ctx: FacebookContext) -> APIRouter:
    """The catch-all graph.facebook.com routes (GET, and DELETE for permissions)."""
    router = APIRouter()
    api = FacebookGraph(ctx)

    @router.get("/graph.facebook.com/{path:path}", response_model=None)
    async def graph_get(path: str, request: Request) -> Response:
        """Every Graph API GET, with or without a ``/vNN.N`` prefix."""
        return await api.handle("GET", path, request)

    @router.delete("/graph.facebook.com/{path:path}", response_model=None)
    async def graph_delete(path: str, request: Request) -> Response:
        """``DELETE /{user-id}/permissions``: deauthorize the app."""
        return await api.handle("DELETE", path, request)

    return router
