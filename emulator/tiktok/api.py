"""open.tiktokapis.com Display API v2: ``user/info``, ``video/list`` and ``video/query``.

Honours the faults: ``rate_limit`` (429 ``rate_limit_exceeded``, ``Retry-After`` only when the
fault gives one — TikTok documents a one-minute sliding window, not a header), ``server_error``
(500 ``internal_error``), ``expire_tokens`` and ``revoke`` (401 ``access_token_invalid`` for
tokens issued before), ``retire_metric`` (the field name becomes unknown: 400 ``invalid_params``
for any request naming it). TikTok's Display API has no daily quota, so ``quota_exhausted`` does
not apply.
"""

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from emulator.core import json_bytes, raw_json_response
from emulator.creators import Creator, get_creator, posts_published
from emulator.tiktok.context import PLATFORM, TikTokContext
from emulator.tiktok.data import (
    DEFAULT_COUNT,
    MAX_COUNT,
    USER_FIELD_SCOPES,
    VIDEO_FIELDS,
    VIDEO_LIST_SCOPE,
    create_time,
    is_private,
    parse_video_id,
    user_profile,
    video_item,
)
from emulator.tiktok.errors import (
    ApiError,
    access_token_invalid,
    invalid_params,
    ok,
    scope_not_authorized,
    scope_permission_missed,
)
from emulator.tiktok.tokens import TtToken, parse_access
from emulator.tokens import fault_times, issued_before

_API = "/open.tiktokapis.com/v2"
_USER_FIELDS = tuple(USER_FIELD_SCOPES)


class DisplayApi:
    """Request handling for the Display API, bound to one emulator instance."""

    def __init__(self, ctx: TikTokContext) -> None:
        self.ctx = ctx
        self.core = ctx.core

    async def handle(self, request: Request, endpoint: str) -> Response:
        """Authenticate, apply faults, dispatch; every answer carries the ``error`` envelope."""
        now = self.core.now()
        try:
            raw = _bearer(request)
            parsed = parse_access(self.core.signer, raw) if raw else None
            self._injected_faults(parsed.account if parsed else None)
            token, creator = self._authenticate(parsed)
            data = await self._dispatch(endpoint, token, creator, request)
        except ApiError as err:
            return err.response(now)
        # {"data": …, "error": …} rendered around the (possibly memoized) rendered data.
        return raw_json_response(b'{"data":' + data + b',"error":' + json_bytes(ok(now)) + b"}")

    async def _dispatch(
        self, endpoint: str, token: TtToken, creator: Creator, request: Request
    ) -> bytes:
        """The rendered ``data`` of an authorized call."""
        if endpoint == "user/info":
            return self._user_info(token, creator, request)
        body = await _json_body(request)
        fields = self._fields(request, VIDEO_FIELDS)
        if VIDEO_LIST_SCOPE not in token.scopes:
            raise scope_not_authorized(
                "The user did not authorize the scope required for completing this request."
            )
        if is_private(creator):
            raise scope_not_authorized(
                "The user's account is private: video.list only covers public videos."
            )
        if endpoint == "video/list":
            return self._video_list(creator, fields, body)
        return json_bytes(self._video_query(creator, fields, body))

    # -- checks ------------------------------------------------------------------------------

    def _injected_faults(self, account: str | None) -> None:
        fault = self.core.faults.take(PLATFORM, ("rate_limit", "server_error"), account)
        if fault is None:
            return
        if fault.spec.kind == "rate_limit":
            raise ApiError(
                "rate_limit_exceeded",
                "The API rate limit was exceeded. Please try again later.",
                429,
                fault.retry_after_headers(),
            )
        raise ApiError("internal_error", "Something went wrong. Please try again later.", 500)

    def _authenticate(self, parsed: TtToken | None) -> tuple[TtToken, Creator]:
        creator = get_creator(parsed.account) if parsed else None
        if parsed is None or creator is None:
            raise access_token_invalid()
        killed = fault_times(self.core, PLATFORM, parsed.account, "revoke", "expire_tokens")
        if issued_before(parsed.issued_at, *killed, self.ctx.revoked_since(parsed.account)):
            raise access_token_invalid()
        if parsed.expires_at <= self.core.now():
            raise access_token_invalid()
        return parsed, creator

    def _fields(self, request: Request, allowed: tuple[str, ...]) -> list[str]:
        """The ``fields`` query parameter: one unknown (or retired) name fails the request."""
        names = [f.strip() for f in request.query_params.get("fields", "").split(",")]
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            raise invalid_params("fields is required")
        retired = self.core.faults.retired_metrics(PLATFORM)
        bad = [n for n in names if n not in allowed or n in retired]
        if bad:
            raise invalid_params(f"Invalid fields: {', '.join(bad)}")
        return names

    # -- endpoints ---------------------------------------------------------------------------

    def _user_info(self, token: TtToken, creator: Creator, request: Request) -> bytes:
        """The user's fields, rendered once per creator, field list and date."""
        fields = self._fields(request, _USER_FIELDS)
        missing = [f for f in fields if USER_FIELD_SCOPES[f] not in token.scopes]
        if missing:
            raise scope_permission_missed(missing)
        today = self.core.today()

        def render() -> bytes:
            profile = user_profile(creator, today)
            return json_bytes({"user": {name: profile[name] for name in fields}})

        return self.core.memo.get(("tiktok-user", creator.key, tuple(fields), today), render)

    def _video_list(self, creator: Creator, fields: list[str], body: dict[str, Any]) -> bytes:
        """Newest first; ``cursor`` (ms) asks for videos created before it.

        A page is a pure function of the creator, fields, size, cursor and date: rendered once.
        """
        count = _int_param(body, "max_count", DEFAULT_COUNT)
        if not 1 <= count <= MAX_COUNT:
            raise invalid_params(f"max_count must be between 1 and {MAX_COUNT}")
        cursor = _int_param(body, "cursor", 0)
        today = self.core.today()
        key = ("tiktok-videos", creator.key, tuple(fields), count, cursor, today)
        return self.core.memo.get(
            key, lambda: json_bytes(self._video_page(creator, fields, count, cursor, today))
        )

    def _video_page(
        self, creator: Creator, fields: list[str], count: int, cursor: int, today: date
    ) -> dict[str, Any]:
        total = posts_published(creator, today)
        newest_first = range(total - 1, -1, -1)
        older = [i for i in newest_first if not cursor or create_time(creator, i) * 1000 < cursor]
        page = older[:count]
        videos = [_pick(video_item(creator, i, today), fields) for i in page]
        next_cursor = create_time(creator, page[-1]) * 1000 if page else cursor
        return {"videos": videos, "cursor": next_cursor, "has_more": len(older) > len(page)}

    def _video_query(
        self, creator: Creator, fields: list[str], body: dict[str, Any]
    ) -> dict[str, Any]:
        """Up to 20 of the user's own videos by id; unknown or foreign ids are left out."""
        filters = body.get("filters")
        ids = filters.get("video_ids") if isinstance(filters, dict) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise invalid_params("filters.video_ids must be a non-empty list of strings")
        if len(ids) > MAX_COUNT:
            raise invalid_params(f"filters.video_ids takes at most {MAX_COUNT} ids")
        today = self.core.today()
        published = posts_published(creator, today)
        videos = []
        for vid in dict.fromkeys(ids):
            found = parse_video_id(vid)
            if found is not None and found[0] is creator and found[1] < published:
                videos.append(_pick(video_item(creator, found[1], today), fields))
        return {"videos": videos}


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise invalid_params("The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise invalid_params("The request body must be a JSON object")
    return body


def _int_param(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_params(f"{name} must be an integer")
    return value


def _pick(values: dict[str, object], fields: list[str]) -> dict[str, object]:
    return {name: values[name] for name in fields}


def build_api_router(ctx: TikTokContext) -> APIRouter:
    """The three Display API endpoints (TikTok's paths end with a slash)."""
    router = APIRouter()
    api = DisplayApi(ctx)

    @router.get(f"{_API}/user/info/", response_model=None)
    async def user_info(request: Request) -> Response:
        """The authorized user's profile fields."""
        return await api.handle(request, "user/info")

    @router.post(f"{_API}/video/list/", response_model=None)
    async def video_list(request: Request) -> Response:
        """The user's public videos, newest first, by cursor."""
        return await api.handle(request, "video/list")

    @router.post(f"{_API}/video/query/", response_model=None)
    async def video_query(request: Request) -> Response:
        """Fresh fields for up to 20 of the user's videos."""
        return await api.handle(request, "video/query")

    return router
