"""graph.instagram.com: token exchange/refresh, user and media nodes, insights.

One catch-all route dispatches on path segments so the version prefix (``/v21.0``) stays optional
and unknown objects get Meta's error instead of a framework 404.
"""

import base64
import re
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import QueryParams

from emulator.creators import (
    Creator,
    day_activity,
    followers,
    get_creator,
    new_followers,
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
from emulator.instagram.errors import (
    MetaError,
    invalid_parameter,
    no_permission,
    unknown_object,
)
from emulator.instagram.tokens import IgToken, mint_token, parse_token
from emulator.usage import EXHAUSTED, UsageMeter

_VERSION = re.compile(r"^v\d+\.\d+$")
DEFAULT_PAGE = 25
MAX_PAGE = 100
MAX_RANGE_S = 30 * 86400
_PACIFIC = timedelta(hours=-8)


def _pacific(moment: float) -> str:
    """Meta's expiry wording: ``Friday, 20-Nov-26 06:41:31 PST`` (fixed UTC-8)."""
    when = datetime.fromtimestamp(moment, UTC) + _PACIFIC
    return when.strftime("%A, %d-%b-%y %H:%M:%S PST")


def _raw_token(request: Request) -> str | None:
    """Token from ``access_token`` or ``Authorization: Bearer|OAuth``, as Meta accepts both."""
    token = request.query_params.get("access_token")
    if token:
        return token
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return None


def _fields(params: QueryParams, allowed: tuple[str, ...], node_type: str) -> list[str]:
    """Requested fields (``id`` always first); unknown ones fail the call like Meta's."""
    requested = [f.strip() for f in params.get("fields", "").split(",") if f.strip()]
    for name in requested:
        if name not in allowed:
            raise invalid_parameter(
                f"Tried accessing nonexisting field ({name}) on node type ({node_type})"
            )
    return ["id", *[f for f in dict.fromkeys(requested) if f != "id"]]


def _pick(values: dict[str, object], fields: list[str]) -> dict[str, object]:
    return {name: values[name] for name in fields}


def _metrics(params: QueryParams) -> list[str]:
    names = [m.strip() for m in params.get("metric", "").split(",") if m.strip()]
    if not names:
        raise invalid_parameter("The parameter metric is required")
    return names


def _check_metrics(
    names: list[str],
    allowed: dict[str, tuple[str, str]],
    retired: set[str],
    totals_only: dict[str, tuple[str, str]] | None = None,
) -> None:
    """One bad metric fails the whole request, exactly like the real API."""
    valid = ", ".join(m for m in allowed if m not in retired)
    for i, name in enumerate(names):
        if name in retired:
            raise invalid_parameter(
                f"The {name} metric is no longer supported. "
                f"metric[{i}] must be one of the following values: {valid}"
            )
        if name in allowed:
            continue
        if totals_only is not None and name in totals_only:
            raise invalid_parameter(
                f"The following metrics ({name}) should be specified with parameter "
                "metric_type=total_value"
            )
        raise invalid_parameter(f"metric[{i}] must be one of the following values: {valid}")


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"ig-media:{index}".encode()).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, _, index = text.partition(":")
        if prefix != "ig-media":
            raise ValueError(text)
        return int(index)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_parameter("Invalid cursor") from exc


def _limit(params: QueryParams) -> int:
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_PAGE
    try:
        return max(1, min(MAX_PAGE, int(raw)))
    except ValueError as exc:
        raise invalid_parameter("Param limit must be a number") from exc


def _timestamp_param(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        try:
            return int(datetime.fromisoformat(raw).replace(tzinfo=UTC).timestamp())
        except ValueError as exc:
            raise invalid_parameter(f"Param {name} must be a unix timestamp") from exc


def _utc_day(stamp: int) -> date:
    return datetime.fromtimestamp(stamp, UTC).date()


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
        segments = [s for s in path.split("/") if s]
        if segments and _VERSION.match(segments[0]):
            segments = segments[1:]
        params = request.query_params
        raw = _raw_token(request)
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
            headers = {}
            if fault.spec.retry_after is not None:
                headers["Retry-After"] = str(fault.spec.retry_after)
            raise MetaError(
                4, "(#4) Application request limit reached", status=403, headers=headers
            )
        raise MetaError(
            2,
            "An unexpected error has occurred. Please retry your request later.",
            status=500,
        )

    # -- tokens ------------------------------------------------------------------------------

    def _authenticate(self, raw: str | None, parsed: IgToken | None) -> tuple[IgToken, Creator]:
        """Validate a token: revoked → 190/460, expired → 190/463, garbage → 190."""
        if raw is None:
            raise MetaError(
                2500,
                "An active access token must be used to query information about the current user.",
            )
        creator = get_creator(parsed.account) if parsed else None
        if parsed is None or creator is None:
            raise MetaError(190, "Invalid OAuth access token - Cannot parse access token")
        faults = self.core.faults
        revoked_at = faults.account_fault_since(PLATFORM, "revoke", parsed.account)
        if revoked_at is not None and parsed.issued_at <= revoked_at:
            raise MetaError(
                190,
                "Error validating access token: The session has been invalidated because the "
                "user changed their password or Facebook has changed the session for security "
                "reasons.",
                subcode=460,
            )
        now = self.core.now()
        expired_at = faults.account_fault_since(PLATFORM, "expire_tokens", parsed.account)
        if expired_at is None or parsed.issued_at > expired_at:
            expired_at = parsed.expires_at if parsed.expires_at <= now else None
        if expired_at is not None:
            raise MetaError(
                190,
                f"Error validating access token: Session has expired on {_pacific(expired_at)}. "
                f"The current time is {_pacific(now)}.",
                subcode=463,
            )
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
        body = {
            "access_token": mint_token(self.core.signer, new),
            "token_type": "bearer",
            "expires_in": ttl,
        }
        return JSONResponse(body)

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
            fields = _fields(params, USER_FIELDS, "User")
            return JSONResponse(_pick(user_profile(creator, today), fields))
        if edge == ["media"]:
            return self._media_list(creator, params, request)
        if edge == ["insights"]:
            self._require_insights(token, creator)
            return self._account_insights(creator, params)
        raise invalid_parameter(
            f"Tried accessing nonexisting field ({edge[0]}) on node type (User)"
        )

    def _require_insights(self, token: IgToken, creator: Creator) -> None:
        if INSIGHTS_SCOPE not in token.scopes or not creator.professional:
            raise no_permission()

    def _media_list(self, creator: Creator, params: QueryParams, request: Request) -> Response:
        """Newest first; cursors are post indices, so pages stay stable as new posts appear."""
        fields = _fields(params, MEDIA_FIELDS, "Media")
        limit = _limit(params)
        today = self.core.today()
        total = posts_published(creator, today)
        after, before = params.get("after"), params.get("before")
        if after:
            top = min(total, _decode_cursor(after))
            indices = list(range(top - 1, max(-1, top - 1 - limit), -1))
        elif before:
            bottom = _decode_cursor(before) + 1
            indices = list(range(min(total, bottom + limit) - 1, bottom - 1, -1))
        else:
            indices = list(range(total - 1, max(-1, total - 1 - limit), -1))
        data = [_pick(media_item(creator, i, today), fields) for i in indices]
        body: dict[str, object] = {"data": data}
        if indices:
            first, last = indices[0], indices[-1]
            paging: dict[str, object] = {
                "cursors": {"before": _encode_cursor(first), "after": _encode_cursor(last)}
            }
            base = request.url.remove_query_params(["after", "before"])
            if first < total - 1:
                paging["previous"] = str(base.include_query_params(before=_encode_cursor(first)))
            if last > 0:
                paging["next"] = str(base.include_query_params(after=_encode_cursor(last)))
            body["paging"] = paging
        return JSONResponse(body)

    def _account_insights(self, creator: Creator, params: QueryParams) -> Response:
        """Daily series (``follower_count``, ``reach``) or ``metric_type=total_value`` totals."""
        names = _metrics(params)
        metric_type = params.get("metric_type", "time_series")
        retired = set(RETIRED_ACCOUNT_METRICS) | self.core.faults.retired_metrics(PLATFORM)
        if metric_type == "total_value":
            _check_metrics(names, TOTAL_METRICS, retired)
        elif metric_type == "time_series":
            _check_metrics(names, SERIES_METRICS, retired, totals_only=TOTAL_METRICS)
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
        since, until = _timestamp_param(params, "since"), _timestamp_param(params, "until")
        if since is not None and until is not None:
            if until < since:
                raise invalid_parameter("Param since must be earlier than until")
            if until - since > MAX_RANGE_S:
                raise invalid_parameter(
                    f"There cannot be more than 30 days ({MAX_RANGE_S} s) between since and until"
                )
        until_day = _utc_day(until) if until is not None else today
        since_day = (
            _utc_day(since) if since is not None else until_day - timedelta(days=default_span)
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
            fields = _fields(params, MEDIA_FIELDS, "Media")
            return JSONResponse(_pick(media_item(owner, index, today), fields))
        if edge != ["insights"]:
            raise invalid_parameter(
                f"Tried accessing nonexisting field ({edge[0]}) on node type (Media)"
            )
        self._require_insights(token, creator)
        names = _metrics(params)
        retired = set(RETIRED_MEDIA_METRICS) | self.core.faults.retired_metrics(PLATFORM)
        _check_metrics(names, MEDIA_METRICS, retired)
        values = media_metric_values(owner, index, today)
        data = [
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
        return JSONResponse({"data": data})


def build_graph_router(ctx: InstagramContext) -> APIRouter:
    """The catch-all graph.instagram.com route."""
    router = APIRouter()
    api = GraphApi(ctx)

    @router.get("/graph.instagram.com/{path:path}", response_model=None)
    async def graph(path: str, request: Request) -> Response:
        """Every Graph API GET, with or without a ``/vNN.N`` prefix."""
        return await api.handle(path, request)

    return router
