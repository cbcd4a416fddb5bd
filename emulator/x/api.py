"""api.x.com/2 (and api.twitter.com/2): ``users/me``, ``users/:id`` and ``users/:id/tweets``.

Every answer to an authenticated call carries ``x-rate-limit-*`` headers for its endpoint and
user. Faults: ``rate_limit`` (429 with the reset in the headers), ``server_error`` (503),
``quota_exhausted`` (429 ``usage-capped`` until the next billing month), ``expire_tokens`` and
``revoke`` (401: X does not say why a token failed), ``retire_metric`` (a ``user.fields`` or
``tweet.fields`` value refused with 400 ``invalid-request``). ``expansions`` and the media, place
and poll field lists are accepted and ignored: the demo posts have no media, places or polls.
"""

from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from emulator.core import json_bytes, raw_json_response
from emulator.creators import Creator, get_creator, posts_published
from emulator.tokens import hit_by_fault
from emulator.x.context import ENDPOINT_LIMITS, PLATFORM, WINDOW_S, RateStatus, XContext
from emulator.x.data import (
    PRIVATE_TWEET_FIELDS,
    READ_SCOPES,
    TWEET_FIELDS,
    USER_FIELDS,
    creator_for_user_id,
    decode_page_token,
    encode_page_token,
    is_protected,
    private_metrics_available,
    tweet_object,
    user_object,
)
from emulator.x.errors import (
    PROBLEMS,
    XProblem,
    forbidden,
    invalid_request,
    invalid_value,
    not_found_route,
    service_unavailable,
    too_many_requests,
    unauthorized,
    usage_capped,
)
from emulator.x.oauth import API_HOSTS
from emulator.x.tokens import XAccessToken, parse_access_token

DEFAULT_RESULTS = 10
MIN_RESULTS, MAX_RESULTS = 5, 100
TIMELINE_DEPTH = 3200
"""The user Posts timeline reaches back only this many posts."""
_USER_PARAMS = ("expansions", "tweet.fields", "user.fields")
_TIMELINE_PARAMS = (
    "end_time",
    "exclude",
    "expansions",
    "max_results",
    "media.fields",
    "pagination_token",
    "place.fields",
    "poll.fields",
    "since_id",
    "start_time",
    "tweet.fields",
    "until_id",
    "user.fields",
)
_EXCLUDES = ("replies", "retweets")
_ALWAYS_TWEET = ("id", "text", "edit_history_tweet_ids")
_ALWAYS_USER = ("id", "name", "username")


def _route(segments: list[str]) -> tuple[str, str | None] | None:
    """Which rate-limited endpoint a path is, and the user id in it."""
    if segments == ["users", "me"]:
        return "users/me", None
    if len(segments) == 2 and segments[0] == "users" and segments[1].isdigit():
        return "users/:id", segments[1]
    if len(segments) == 3 and segments[0] == "users" and segments[2] == "tweets":
        return "users/:id/tweets", segments[1]
    return None


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _next_month(today: date) -> int:
    """When a monthly usage cap resets (the billing cycle is taken as the calendar month)."""
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())


def _check_params(params: QueryParams, allowed: tuple[str, ...]) -> None:
    unknown = [name for name in params if name not in allowed]
    if unknown:
        raise invalid_request(
            f"The query parameters [{','.join(unknown)}] is not one of [{','.join(allowed)}]",
            {name: params.getlist(name) for name in unknown},
        )


def _field_list(
    params: QueryParams, name: str, known: tuple[str, ...], retired: set[str]
) -> list[str]:
    """Requested values of ``name``; an unknown or retired one fails the call."""
    allowed = tuple(f for f in known if f not in retired)
    values = [v.strip() for v in params.get(name, "").split(",") if v.strip()]
    for value in values:
        if value not in allowed:
            raise invalid_value(name, value, allowed)
    return list(dict.fromkeys(values))


def _field_error(field: str, tweet_id: str) -> dict[str, object]:
    """A partial error: the post is returned, this one field of it is not."""
    return {
        "value": tweet_id,
        "detail": f"Sorry, you are not authorized to access '{field}' on the Tweet with ids: "
        f"[{tweet_id}].",
        "title": "Field Authorization Error",
        "resource_type": "tweet",
        "field": field,
        "parameter": "id",
        "resource_id": tweet_id,
        "section": "data",
        "type": PROBLEMS + "not-authorized-for-field",
    }


def _user_error(user_id: str, *, found: bool) -> dict[str, object]:
    """A resource error answered with HTTP 200 and no data, as X does for users."""
    if found:
        title, kind = "Authorization Error", "not-authorized-for-resource"
        detail = f"Sorry, you are not authorized to see the user with id: [{user_id}]."
    else:
        title, kind = "Not Found Error", "resource-not-found"
        detail = f"Could not find user with id: [{user_id}]."
    return {
        "value": user_id,
        "detail": detail,
        "title": title,
        "resource_type": "user",
        "parameter": "id",
        "resource_id": user_id,
        "type": PROBLEMS + kind,
    }


class XApi:
    """Request handling for the v2 data endpoints, bound to one emulator instance."""

    def __init__(self, ctx: XContext) -> None:
        self.ctx = ctx
        self.core = ctx.core

    async def handle(self, path: str, request: Request) -> Response:
        route = _route([s for s in path.split("/") if s])
        if route is None:
            return not_found_route()
        endpoint, target = route
        raw = _bearer(request)
        parsed = parse_access_token(self.core.signer, raw) if raw else None
        status = self.ctx.hit(endpoint, parsed.account) if parsed else None
        headers = status.headers() if status else {}
        try:
            if status is not None and status.exceeded:
                raise too_many_requests(headers)
            self._injected_faults(endpoint, parsed.account if parsed else None, status)
            token, creator = self._authenticate(parsed)
            response = self._dispatch(endpoint, target, token, creator, request)
        except XProblem as problem:
            response = problem.response()
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    def _injected_faults(
        self, endpoint: str, account: str | None, status: RateStatus | None
    ) -> None:
        kinds = ("rate_limit", "server_error", "quota_exhausted")
        fault = self.core.faults.take(PLATFORM, kinds, account)
        if fault is None:
            return
        if fault.spec.kind == "server_error":
            raise service_unavailable()
        now = int(self.core.now())
        limit = ENDPOINT_LIMITS[endpoint]
        if fault.spec.retry_after is not None:
            reset = now + fault.spec.retry_after
        elif fault.spec.kind == "quota_exhausted":
            reset = _next_month(self.core.today())
        else:
            reset = status.reset if status else now + WINDOW_S
        headers = RateStatus(limit, 0, reset, True).headers()
        if fault.spec.kind == "quota_exhausted":
            raise usage_capped(headers)
        raise too_many_requests(headers)

    def _authenticate(self, parsed: XAccessToken | None) -> tuple[XAccessToken, Creator]:
        """Missing, foreign, expired, revoked or killed tokens all get the same 401."""
        creator = get_creator(parsed.account) if parsed else None
        if parsed is None or creator is None or not self.ctx.grant_alive(parsed.grant):
            raise unauthorized()
        kinds = ("revoke", "expire_tokens")
        if hit_by_fault(self.core, PLATFORM, parsed.account, parsed.issued_at, *kinds):
            raise unauthorized()
        if parsed.expires_at <= self.core.now():
            raise unauthorized()
        return parsed, creator

    def _dispatch(
        self,
        endpoint: str,
        target: str | None,
        token: XAccessToken,
        creator: Creator,
        request: Request,
    ) -> Response:
        """The answer of an authorized call: a pure function of the endpoint, the caller, the
        query, the retired fields and the date, so it is rendered once and then reused."""
        if not READ_SCOPES.issubset(token.scopes):
            raise forbidden()
        retired = self.core.faults.retired_metrics(PLATFORM)
        today = self.core.today()
        query: bytes = request.scope.get("query_string", b"")
        key = ("x", endpoint, target, creator.key, query, frozenset(retired), today)
        body = self.core.memo.get(
            key,
            lambda: json_bytes(
                self._answer(endpoint, target, creator, request.query_params, retired, today)
            ),
        )
        return raw_json_response(body)

    def _answer(
        self,
        endpoint: str,
        target: str | None,
        creator: Creator,
        params: QueryParams,
        retired: set[str],
        today: date,
    ) -> dict[str, object]:
        if endpoint == "users/:id/tweets":
            _check_params(params, _TIMELINE_PARAMS)
            return self._timeline(str(target), creator, params, retired, today)
        _check_params(params, _USER_PARAMS)
        fields = _field_list(params, "user.fields", USER_FIELDS, retired)
        _field_list(params, "tweet.fields", TWEET_FIELDS, retired)
        subject = creator if endpoint == "users/me" else creator_for_user_id(str(target))
        if subject is None:
            return {"errors": [_user_error(str(target), found=False)]}
        user = user_object(subject, today)
        names = [*_ALWAYS_USER, *[f for f in fields if f not in _ALWAYS_USER]]
        return {"data": {name: user[name] for name in names}}

    def _timeline(
        self, target: str, viewer: Creator, params: QueryParams, retired: set[str], today: date
    ) -> dict[str, object]:
        """Newest first, ``max_results`` per page, ``next_token`` while older posts remain."""
        fields = _field_list(params, "tweet.fields", TWEET_FIELDS, retired)
        _field_list(params, "user.fields", USER_FIELDS, retired)
        _field_list(params, "exclude", _EXCLUDES, set())
        size = self._max_results(params)
        owner = creator_for_user_id(target)
        if owner is None or (is_protected(owner) and owner is not viewer):
            return {"errors": [_user_error(target, found=owner is not None)]}
        total = posts_published(owner, today)
        bottom = max(0, total - TIMELINE_DEPTH)
        top = total - 1
        token = params.get("pagination_token")
        if token:
            decoded = decode_page_token(token)
            if decoded is None or decoded >= total:
                raise invalid_request(
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                    {"pagination_token": [token]},
                )
            top = decoded
        indices = list(range(top, max(bottom, top - size + 1) - 1, -1))
        names = [*_ALWAYS_TWEET, *[f for f in fields if f not in _ALWAYS_TWEET]]
        data: list[dict[str, object]] = []
        errors: list[dict[str, object]] = []
        for index in indices:
            post = tweet_object(owner, index, today)
            item: dict[str, object] = {}
            mine = owner is viewer and private_metrics_available(owner, index, today)
            for name in names:
                if name in PRIVATE_TWEET_FIELDS and not mine:
                    value = post[name]
                    assert isinstance(value, dict)
                    errors.extend(_field_error(f"{name}.{sub}", str(post["id"])) for sub in value)
                    continue
                item[name] = post[name]
            data.append(item)
        if not data:
            return {"meta": {"result_count": 0}}
        meta: dict[str, object] = {
            "result_count": len(data),
            "newest_id": data[0]["id"],
            "oldest_id": data[-1]["id"],
        }
        if indices[-1] > bottom:
            meta["next_token"] = encode_page_token(indices[-1] - 1)
        body: dict[str, object] = {"data": data, "meta": meta}
        if errors:
            body["errors"] = errors
        return body

    @staticmethod
    def _max_results(params: QueryParams) -> int:
        raw = params.get("max_results")
        if raw is None:
            return DEFAULT_RESULTS
        if not raw.isdigit() or not MIN_RESULTS <= int(raw) <= MAX_RESULTS:
            raise invalid_request(
                f"The `max_results` query parameter value [{raw}] is not between "
                f"{MIN_RESULTS} and {MAX_RESULTS}",
                {"max_results": [raw]},
            )
        return int(raw)


def build_api_router(ctx: XContext) -> APIRouter:
    """The catch-all GET route on both API hosts."""
    router = APIRouter()
    api = XApi(ctx)

    async def v2(path: str, request: Request) -> Response:
        """Every v2 GET."""
        return await api.handle(path, request)

    for host in API_HOSTS:
        router.add_api_route(f"/{host}/2/{{path:path}}", v2, methods=["GET"], response_model=None)
    return router
