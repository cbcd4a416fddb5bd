"""YouTube Data API v3 (``www.googleapis.com/youtube/v3``): channels, playlistItems, videos, search.

Every authenticated call is charged its documented unit cost against the app's daily quota
(reset at midnight Pacific); ``search.list`` costs 100 units, which is why clients list uploads
through the uploads playlist instead.
"""

import base64
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from emulator.core import FastJSONResponse, json_bytes, raw_json_response
from emulator.creators import ALL_CREATORS, Creator, get_creator
from emulator.youtube.context import PLATFORM, YouTubeContext, pacific_day
from emulator.youtube.data import (
    READ_SCOPES,
    channel_id,
    channel_parts,
    creator_for_channel,
    creator_for_uploads,
    etag,
    has_channel,
    parse_video_id,
    playlist_item_id,
    playlist_item_parts,
    uploads,
    video_id,
    video_parts,
)
from emulator.youtube.errors import (
    GoogleApiError,
    backend_error,
    bad_request,
    insufficient_scopes,
    invalid_credentials,
    invalid_parameter,
    login_required,
    missing_parameter,
    quota_exceeded,
    rate_limited,
)
from emulator.youtube.oauth import access_token_valid
from emulator.youtube.tokens import GoogleToken, parse_token

UNIT_COSTS: dict[str, int] = {"channels": 1, "playlistItems": 1, "videos": 1, "search": 100}
"""Documented quota cost of each list method."""
MAX_RESULTS = 50
MAX_IDS = 50
DATA_PREFIXES = ("/www.googleapis.com/youtube/v3", "/youtube.googleapis.com/youtube/v3")
_CHANNEL_PARTS = ("id", "snippet", "contentDetails", "statistics", "status")
_VIDEO_PARTS = ("id", "snippet", "contentDetails", "statistics", "status")
_ITEM_PARTS = ("id", "snippet", "contentDetails", "status")


def raw_token(request: Request) -> str | None:
    """``Authorization: Bearer`` or the ``access_token`` query parameter."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def injected_faults(ctx: YouTubeContext, account: str | None) -> None:
    """``rate_limit`` (429 rateLimitExceeded) and ``server_error`` (503 backendError) faults."""
    fault = ctx.core.faults.take(PLATFORM, ("rate_limit", "server_error"), account)
    if fault is None:
        return
    if fault.spec.kind == "rate_limit":
        raise rate_limited(fault.spec.retry_after)
    raise backend_error()


def authenticate(ctx: YouTubeContext, request: Request) -> tuple[GoogleToken, Creator]:
    """A live access token and its account, after the call-level faults fired."""
    raw = raw_token(request)
    token = parse_token(ctx.core.signer, raw, "access") if raw else None
    injected_faults(ctx, token.account if token else None)
    if raw is None:
        raise login_required()
    creator = get_creator(token.account) if token else None
    if token is None or creator is None or not access_token_valid(ctx, token):
        raise invalid_credentials()
    return token, creator


def parts(params: QueryParams, allowed: tuple[str, ...]) -> list[str]:
    """The ``part`` list; unknown parts fail the call like YouTube's ``unknownPart``."""
    raw = params.get("part")
    if not raw:
        raise missing_parameter("part")
    names = list(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    for name in names:
        if name not in allowed:
            raise GoogleApiError(
                400, f"'{name}'", "unknownPart", domain="youtube.part", location="part"
            )
    return names


def resource(
    kind: str, rid: str, values: dict[str, dict[str, object]], names: list[str]
) -> dict[str, object]:
    body: dict[str, object] = {"kind": f"youtube#{kind}", "id": rid}
    body.update({name: values[name] for name in names if name in values})
    body["etag"] = etag(body)
    return {"kind": body.pop("kind"), "etag": body.pop("etag"), **body}


def list_answer(
    kind: str, items: list[dict[str, object]], total: int, per_page: int, **tokens: str
) -> dict[str, object]:
    body: dict[str, object] = {"kind": f"youtube#{kind}ListResponse"}
    body.update({k: v for k, v in tokens.items() if v})
    body["pageInfo"] = {"totalResults": total, "resultsPerPage": per_page}
    body["items"] = items
    body["etag"] = etag(body)
    return body


def max_results(params: QueryParams, default: int) -> int:
    raw = params.get("maxResults")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_RESULTS:
        raise invalid_parameter(
            f"Invalid value '{raw}'. Values must be within the range: [0, {MAX_RESULTS}]",
            "maxResults",
        )
    return value


def encode_page(index: int) -> str:
    return "E" + base64.urlsafe_b64encode(f"PT:{index}".encode()).decode("ascii").rstrip("=")


def decode_page(token: str) -> int:
    """A page token names the upload index the page starts at (stable as new videos come)."""
    try:
        text = base64.urlsafe_b64decode(token[1:] + "=" * (-len(token[1:]) % 4)).decode("ascii")
        prefix, _, index = text.partition(":")
        if not token.startswith("E") or prefix != "PT":
            raise ValueError(text)
        return int(index)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GoogleApiError(
            400,
            "The request specifies an invalid page token.",
            "invalidPageToken",
            domain="youtube.parameter",
            location="pageToken",
        ) from exc


class DataApi:
    """Request handling for the Data API, bound to one emulator instance."""

    def __init__(self, ctx: YouTubeContext) -> None:
        self.ctx = ctx
        self.core = ctx.core
        self.methods: dict[str, Callable[[Creator, QueryParams, date], dict[str, object]]] = {
            "channels": self._channels,
            "playlistItems": self._playlist_items,
            "videos": self._videos,
            "search": self._search,
        }

    async def handle(self, name: str, request: Request) -> Response:
        method = self.methods.get(name)
        if method is None:
            return FastJSONResponse(
                {"error": {"code": 404, "message": "Not Found"}}, status_code=404
            )
        try:
            token, creator = authenticate(self.ctx, request)
            if not READ_SCOPES & set(token.scopes):
                raise insufficient_scopes()
            self._charge(token, UNIT_COSTS[name])
            # What a list call answers depends only on its method, caller, query and date.
            today = self._today()
            query: bytes = request.scope.get("query_string", b"")
            body = self.core.memo.get(
                ("youtube", name, creator.key, query, today),
                lambda: json_bytes(method(creator, request.query_params, today)),
            )
            return raw_json_response(body)
        except GoogleApiError as err:
            return err.response()

    def _charge(self, token: GoogleToken, units: int) -> None:
        """Exhausted (by fault or by use) → 403 ``quotaExceeded``; nothing is charged then."""
        if self.core.faults.take(PLATFORM, ("quota_exhausted",), token.account) is not None:
            raise quota_exceeded()
        day = pacific_day(self.core.now())
        limit = self.core.settings.youtube_daily_quota_units
        if not self.ctx.quota.charge(token.client_id, day, units, limit):
            raise quota_exceeded()

    def _today(self) -> date:
        return self.core.today()

    def _channels(self, creator: Creator, params: QueryParams, today: date) -> dict[str, object]:
        names = parts(params, _CHANNEL_PARTS)
        filters = [f for f in ("mine", "id", "forHandle", "forUsername") if params.get(f)]
        if len(filters) != 1:
            raise bad_request(
                "No filter selected. Expected one of: forUsername, managedByMe, categoryId, mine, "
                "mySubscribers, id, idParam, forHandle",
                "missingRequiredParameter",
            )
        if params.get("mine"):
            if params["mine"] != "true":
                raise invalid_parameter("Invalid value for mine", "mine")
            found = [creator] if has_channel(creator) else []
        elif params.get("id"):
            ids = [i.strip() for i in params["id"].split(",") if i.strip()]
            found = [c for c in map(creator_for_channel, ids) if c is not None]
        else:
            handle = (params.get("forHandle") or params.get("forUsername") or "").lstrip("@")
            found = [
                c
                for c in ALL_CREATORS
                if has_channel(c) and c.key.replace("_", "") == handle.lower()
            ]
        items = [resource("channel", channel_id(c), channel_parts(c, today), names) for c in found]
        return list_answer("channel", items, len(items), 5)

    def _playlist_items(
        self, creator: Creator, params: QueryParams, today: date
    ) -> dict[str, object]:
        names = parts(params, _ITEM_PARTS)
        playlist = params.get("playlistId")
        if not playlist:
            raise bad_request(
                "No filter selected. Expected one of: playlistId, id", "missingRequiredParameter"
            )
        owner = creator_for_uploads(playlist)
        if owner is None:
            raise GoogleApiError(
                404,
                "The playlist identified with the request's <code>playlistId</code> parameter "
                "cannot be found.",
                "playlistNotFound",
                domain="youtube.playlistItem",
                location="playlistId",
            )
        per_page = max_results(params, 5)
        total = uploads(owner, today)
        token = params.get("pageToken")
        top = min(total - 1, decode_page(token)) if token else total - 1
        indices = list(range(top, max(-1, top - per_page), -1))
        items = [
            resource(
                "playlistItem",
                playlist_item_id(owner, index),
                playlist_item_parts(owner, index, position=total - 1 - index),
                names,
            )
            for index in indices
        ]
        last = indices[-1] if indices else -1
        return list_answer(
            "playlistItem",
            items,
            total,
            per_page,
            nextPageToken=encode_page(last - 1) if last > 0 else "",
            prevPageToken=encode_page(top + per_page) if token and top < total - 1 else "",
        )

    def _videos(self, creator: Creator, params: QueryParams, today: date) -> dict[str, object]:
        names = parts(params, _VIDEO_PARTS)
        raw = params.get("id")
        if not raw:
            raise bad_request(
                "No filter selected. Expected one of: id, chart, myRating",
                "missingRequiredParameter",
            )
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        if len(ids) > MAX_IDS:
            raise bad_request(
                "The request specifies an invalid filter parameter.", "invalidFilters"
            )
        items = []
        for vid in ids:
            found = parse_video_id(vid)
            if found is None or found[1] >= uploads(found[0], today):
                continue  # unknown ids are silently left out, as YouTube does
            owner, index = found
            items.append(resource("video", vid, video_parts(owner, index, today), names))
        return list_answer("video", items, len(items), len(items))

    def _search(self, creator: Creator, params: QueryParams, today: date) -> dict[str, object]:
        """``forMine=true&type=video`` only: enough to show what listing uploads this way costs."""
        parts(params, ("snippet", "id"))
        if params.get("forMine") != "true" or params.get("type") != "video":
            raise bad_request("The emulator supports search.list with forMine=true&type=video")
        per_page = max_results(params, 5)
        total = uploads(creator, today) if has_channel(creator) else 0
        items: list[dict[str, object]] = []
        for index in range(total - 1, max(-1, total - 1 - per_page), -1):
            snippet = video_parts(creator, index, today)["snippet"]
            vid = video_id(creator, index)
            items.append(
                {
                    "kind": "youtube#searchResult",
                    "etag": etag([vid, snippet]),
                    "id": {"kind": "youtube#video", "videoId": vid},
                    "snippet": snippet,
                }
            )
        return list_answer("search", items, total, per_page)


def build_data_router(ctx: YouTubeContext) -> APIRouter:
    """Data API list methods under both of Google's hosts."""
    router = APIRouter()
    api = DataApi(ctx)
    for prefix in DATA_PREFIXES:

        @router.get(prefix + "/{name}", response_model=None)
        async def data(name: str, request: Request) -> Response:
            """Every Data API list call: channels, playlistItems, videos, search."""
            return await api.handle(name, request)

    return router
