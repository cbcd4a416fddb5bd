"""api.linkedin.com: OpenID ``/v2/userinfo`` and the versioned ``/rest/*`` member resources.

Checks run in the real API's order: injected faults, the token (401), the version header
(426/400), the permission (403), then the parameters (400).
"""

import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from emulator.core import json_bytes, raw_json_response
from emulator.creators import Creator, followers, get_creator, new_followers, posts_published
from emulator.linkedin.context import PLATFORM, LinkedInContext
from emulator.linkedin.data import (
    FOLLOWERS_SCOPE,
    HISTORY_DAYS,
    POST_ANALYTICS_SCOPE,
    POSTS_SCOPE,
    PROFILE_SCOPES,
    QUERY_TYPES,
    TOTAL_ONLY,
    creator_for_person,
    day_counts,
    li_date,
    lifetime_counts,
    metric_type,
    parse_post_urn,
    person_id,
    person_urn,
    post_counts,
    post_element,
    version_active,
)
from emulator.linkedin.errors import (
    RestError,
    access_denied,
    expired_token,
    illegal_argument,
    invalid_token,
    invalid_value,
    revoked_token,
    server_error,
    too_many_requests,
)
from emulator.linkedin.tokens import LiToken, parse_token
from emulator.tokens import hit_by_fault

DEFAULT_COUNT = 10
MAX_COUNT = 100
_DATE = r"\(\s*(?:(?:year|month|day)\s*:\s*\d+\s*,?\s*){3}\)"
_DATE_RANGE = re.compile(
    rf"^\(\s*start\s*:\s*(?P<start>{_DATE})\s*(?:,\s*end\s*:\s*(?P<end>{_DATE}))?\s*\)$"
)
_DATE_PART = re.compile(r"(year|month|day)\s*:\s*(\d+)")
_ENTITY = re.compile(r"^\((?P<kind>share|ugc)\s*:\s*(?P<urn>[^)]+)\)$")


class Authenticated:
    """A request whose token passed: the token, its member and the version it asked for, and
    what the answer is computed for (the date, the queryTypes retired by faults)."""

    def __init__(
        self, token: LiToken, creator: Creator, version: str, today: date, retired: set[str]
    ) -> None:
        self.token = token
        self.creator = creator
        self.version = version
        self.today = today
        self.retired = retired


Handler = Callable[[Authenticated, QueryParams], dict[str, object]]


class RestApi:
    """Request handling for api.linkedin.com, bound to one emulator instance."""

    def __init__(self, ctx: LinkedInContext) -> None:
        self.ctx = ctx
        self.core = ctx.core

    async def handle(
        self,
        request: Request,
        handler: Handler,
        *,
        versioned: bool = True,
    ) -> Response:
        """Authenticate, apply faults, and turn LinkedIn errors into responses.

        An answer is a pure function of the resource, the member, the token's scopes, the
        version, the query, the retired queryTypes and the date: it is rendered once.
        """
        try:
            auth = self._authenticate(request, versioned=versioned)
            query: bytes = request.scope.get("query_string", b"")
            key = (
                "linkedin",
                handler.__name__,
                auth.creator.key,
                auth.token.scopes,
                auth.version,
                query,
                frozenset(auth.retired),
                auth.today,
            )
            body = self.core.memo.get(key, lambda: json_bytes(handler(auth, request.query_params)))
            return raw_json_response(body)
        except RestError as err:
            return err.response()

    # -- checks ------------------------------------------------------------------------------

    def _authenticate(self, request: Request, *, versioned: bool) -> Authenticated:
        header = request.headers.get("authorization", "")
        scheme, _, raw = header.partition(" ")
        token = (
            parse_token(self.core.signer, "access", raw.strip())
            if scheme.lower() == "bearer"
            else None
        )
        self._injected_faults(token.account if token else None)
        creator = get_creator(token.account) if token else None
        if token is None or creator is None:
            raise invalid_token()
        account, issued_at = token.account, token.issued_at
        if self.ctx.grant_revoked(token.grant) or hit_by_fault(
            self.core, PLATFORM, account, issued_at, "revoke"
        ):
            raise revoked_token()
        if token.expires_at <= self.core.now() or hit_by_fault(
            self.core, PLATFORM, account, issued_at, "expire_tokens"
        ):
            raise expired_token()
        version = request.headers.get("linkedin-version", "")
        today = self.core.today()
        if versioned:
            self._check_version(version, today)
        retired = self.core.faults.retired_metrics(PLATFORM)
        return Authenticated(token, creator, version, today, retired)

    def _injected_faults(self, account: str | None) -> None:
        fault = self.core.faults.take(
            PLATFORM, ("rate_limit", "server_error", "quota_exhausted"), account
        )
        if fault is None:
            return
        if fault.spec.kind == "server_error":
            raise server_error()
        if fault.spec.kind == "quota_exhausted":
            raise too_many_requests(
                "Resource level throttle APPLICATION DAY limit for calls to this resource is "
                "reached.",
                fault.spec.retry_after,
            )
        raise too_many_requests(
            "Resource level throttle MEMBER DAY limit for calls to this resource is reached.",
            fault.spec.retry_after,
        )

    def _check_version(self, version: str, today: date) -> None:
        if not version:
            raise RestError(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
                code="VERSION_MISSING",
            )
        if not version_active(version, today):
            raise RestError(
                426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION"
            )

    @staticmethod
    def _require(auth: Authenticated, scope: str, resource: str) -> None:
        if scope not in auth.token.scopes:
            raise access_denied(resource)

    # -- resources ---------------------------------------------------------------------------

    def userinfo(self, auth: Authenticated, params: QueryParams) -> dict[str, object]:
        """OpenID Connect userinfo (needs ``openid`` and ``profile``)."""
        if not set(auth.token.scopes) >= PROFILE_SCOPES:
            raise access_denied("/userinfo")
        creator = auth.creator
        given, _, family = creator.display_name.partition(" ")
        body: dict[str, object] = {
            "sub": person_id(creator),
            "name": creator.display_name,
            "given_name": given,
            "family_name": family,
            "picture": f"https://media.licdn.com/dms/image/emulator/{creator.key}.jpg",
            "locale": {"country": "US", "language": "en"},
        }
        if "email" in auth.token.scopes:
            body["email"] = f"{creator.key}@example.test"
            body["email_verified"] = True
        return body

    def followers_count(self, auth: Authenticated, params: QueryParams) -> dict[str, object]:
        """``q=me`` lifetime count, or ``q=dateRange`` followers gained per day."""
        finder = params.get("q")
        self._require(auth, FOLLOWERS_SCOPE, f"memberFollowersCount.FINDER-{finder}")
        today = auth.today
        if finder == "me":
            elements: list[dict[str, object]] = [
                {"memberFollowersCount": followers(auth.creator, today)}
            ]
        elif finder == "dateRange":
            start, end = _date_range(params, today)
            oldest = today - timedelta(days=HISTORY_DAYS)
            days = [d for d in _days(start, end) if oldest <= d < today]
            elements = [
                {
                    "dateRange": {"start": li_date(d), "end": li_date(d + timedelta(days=1))},
                    "memberFollowersCount": new_followers(auth.creator, d),
                }
                for d in days
            ]
        else:
            raise illegal_argument(f"Unknown finder q={finder}: expected me or dateRange")
        return _collection(elements)

    def post_analytics(self, auth: Authenticated, params: QueryParams) -> dict[str, object]:
        """``q=me`` (all the member's posts) or ``q=entity`` (one post), one queryType a call."""
        finder = params.get("q")
        self._require(auth, POST_ANALYTICS_SCOPE, f"memberCreatorPostAnalytics.FINDER-{finder}")
        query_type = params.get("queryType", "")
        retired = auth.retired
        if query_type not in QUERY_TYPES or query_type in retired:
            allowed = ", ".join(q for q in QUERY_TYPES if q not in retired)
            raise invalid_value(
                "queryType", f"Invalid value {query_type!r}; expected one of {allowed}"
            )
        aggregation = params.get("aggregation", "")
        if aggregation not in ("TOTAL", "DAILY"):
            raise invalid_value(
                "aggregation", f"Invalid value {aggregation!r}; expected TOTAL or DAILY"
            )
        if aggregation == "DAILY" and query_type in TOTAL_ONLY:
            raise illegal_argument(f"{query_type} only supports aggregation TOTAL")
        today = auth.today
        if finder == "entity":
            return self._entity_analytics(auth, params, query_type, aggregation, today)
        if finder != "me":
            raise illegal_argument(f"Unknown finder q={finder}: expected me or entity")
        kind = metric_type(query_type, auth.version)
        if "dateRange" not in params:
            if aggregation == "DAILY":
                raise illegal_argument("dateRange is required for aggregation DAILY")
            count = lifetime_counts(auth.creator, today)[query_type]
            return _collection([{"count": count, "metricType": kind}])
        start, end = _date_range(params, today)
        days = [d for d in _days(start, end) if d < today]
        if aggregation == "TOTAL":
            total = sum(day_counts(auth.creator, d)[query_type] for d in days)
            element = {"count": total, "metricType": kind, "dateRange": _range_of(start, end)}
            return _collection([element])
        return _collection(
            [
                {
                    "count": day_counts(auth.creator, d)[query_type],
                    "metricType": kind,
                    "dateRange": _range_of(d, d + timedelta(days=1)),
                }
                for d in days
            ]
        )

    def _entity_analytics(
        self,
        auth: Authenticated,
        params: QueryParams,
        query_type: str,
        aggregation: str,
        today: date,
    ) -> dict[str, object]:
        match = _ENTITY.match(unquote(params.get("entity", "")).strip())
        found = parse_post_urn(match.group("urn")) if match else None
        if match is None or found is None:
            raise invalid_value(
                "entity", "entity must be (share:urn:li:share:…) or (ugc:urn:li:ugcPost:…)"
            )
        owner, index = found
        urn = match.group("urn")
        expected_kind = "share" if urn.startswith("urn:li:share:") else "ugc"
        if match.group("kind") != expected_kind:
            raise invalid_value("entity", f"{urn} is not a {match.group('kind')} entity")
        if owner is not auth.creator or index >= posts_published(owner, today):
            raise access_denied(f"memberCreatorPostAnalytics for {urn}")
        if aggregation == "DAILY":
            raise illegal_argument("aggregation DAILY needs a dateRange; use TOTAL for one post")
        element = {
            "count": post_counts(owner, index, today)[query_type],
            "metricType": metric_type(query_type, auth.version),
            "targetEntity": {expected_kind: urn},
        }
        return _collection([element])

    def posts(self, auth: Authenticated, params: QueryParams) -> dict[str, object]:
        """``q=author``: the member's posts, newest first (needs the restricted r_member_social)."""
        if params.get("q") != "author":
            raise illegal_argument("Unknown finder: expected q=author")
        self._require(auth, POSTS_SCOPE, "posts.FINDER-author")
        author = unquote(params.get("author", ""))
        prefix, _, member = author.rpartition(":")
        if prefix != "urn:li:person" or creator_for_person(member) is None:
            raise invalid_value("author", f"Invalid author {author!r}")
        if creator_for_person(member) is not auth.creator:
            raise access_denied(f"posts authored by {author}")
        start, count = _int_param(params, "start", 0), _int_param(params, "count", DEFAULT_COUNT)
        count = max(1, min(MAX_COUNT, count))
        total = posts_published(auth.creator, auth.today)
        indices = list(range(total - 1 - start, max(-1, total - 1 - start - count), -1))
        elements = [post_element(auth.creator, i) for i in indices if i >= 0]
        links: list[dict[str, object]] = []
        if start + count < total:
            links.append(
                {
                    "type": "application/json",
                    "rel": "next",
                    "href": f"/rest/posts?author={person_urn(auth.creator)}&q=author"
                    f"&count={count}&start={start + count}",
                }
            )
        return {"elements": elements, "paging": {"start": start, "count": count, "links": links}}


def _collection(elements: list[dict[str, object]]) -> dict[str, object]:
    return {
        "paging": {"start": 0, "count": 10, "links": [], "total": len(elements)},
        "elements": elements,
    }


def _int_param(params: QueryParams, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid_value(name, f"{name} must be an integer") from exc
    if value < 0:
        raise invalid_value(name, f"{name} must not be negative")
    return value


def _parse_date(text: str) -> date:
    parts = {k: int(v) for k, v in _DATE_PART.findall(text)}
    try:
        return date(parts["year"], parts["month"], parts["day"])
    except (KeyError, ValueError) as exc:
        raise invalid_value("dateRange", f"Invalid date {text}") from exc


def _date_range(params: QueryParams, today: date) -> tuple[date, date]:
    """Rest.li ``(start:(year:Y,month:M,day:D),end:(…))``; ``end`` is exclusive, default today."""
    raw = unquote(params.get("dateRange", "")).strip()
    match = _DATE_RANGE.match(raw)
    if match is None:
        raise invalid_value("dateRange", "dateRange must be (start:(year:Y,month:M,day:D),end:(…))")
    start = _parse_date(match.group("start"))
    end = _parse_date(match.group("end")) if match.group("end") else today
    if end <= start:
        raise invalid_value("dateRange", "dateRange end must be after start")
    return start, end


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _range_of(start: date, end: date) -> dict[str, object]:
    return {"start": li_date(start), "end": li_date(end)}


def build_rest_router(ctx: LinkedInContext) -> APIRouter:
    """Routes of api.linkedin.com."""
    router = APIRouter()
    api = RestApi(ctx)

    @router.get("/api.linkedin.com/v2/userinfo", response_model=None)
    async def userinfo(request: Request) -> Response:
        """OpenID Connect userinfo (unversioned)."""
        return await api.handle(request, api.userinfo, versioned=False)

    @router.get("/api.linkedin.com/rest/memberFollowersCount", response_model=None)
    async def member_followers_count(request: Request) -> Response:
        """Member follower statistics."""
        return await api.handle(request, api.followers_count)

    @router.get("/api.linkedin.com/rest/memberCreatorPostAnalytics", response_model=None)
    async def member_post_analytics(request: Request) -> Response:
        """Member post statistics."""
        return await api.handle(request, api.post_analytics)

    @router.get("/api.linkedin.com/rest/posts", response_model=None)
    async def posts(request: Request) -> Response:
        """Posts API finder by author."""
        return await api.handle(request, api.posts)

    return router
