"""YouTube Analytics API v2 (``youtubeanalytics.googleapis.com/v2/reports``): daily channel rows.

Rows stop at today - 2 (the 48-72 h lag); a retired metric (``retire_metric`` fault) or an
unknown one fails the whole query with 400, a revenue metric with 403 (no demo creator is a
YouTube partner) — exactly how one bad metric sinks a real query.
"""

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from emulator.core import json_bytes, raw_json_response
from emulator.creators import Creator
from emulator.youtube.context import PLATFORM, YouTubeContext
from emulator.youtube.data import (
    ANALYTICS_LAG_DAYS,
    ANALYTICS_METRICS,
    ANALYTICS_SCOPES,
    MONETARY_METRICS,
    channel_created,
    channel_id,
    day_metrics,
    has_channel,
)
from emulator.youtube.data_api import authenticate
from emulator.youtube.errors import (
    GoogleApiError,
    bad_request,
    forbidden,
    insufficient_scopes,
    missing_parameter,
)

REPORTS_PATH = "/youtubeanalytics.googleapis.com/v2/reports"


def _date(params: QueryParams, name: str) -> date:
    raw = params.get(name)
    if not raw:
        raise missing_parameter(name)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid value '{raw}' for {name}. Expected YYYY-MM-DD.") from exc


def _metrics(params: QueryParams, retired: set[str]) -> list[str]:
    """Requested metrics; the first unknown, retired or revenue one fails the query."""
    names = [m.strip() for m in params.get("metrics", "").split(",") if m.strip()]
    if not names:
        raise missing_parameter("metrics")
    for name in names:
        if name in retired or (name not in ANALYTICS_METRICS and name not in MONETARY_METRICS):
            raise bad_request(f"Unknown identifier ({name}) given in field parameters.metrics.")
        if name in MONETARY_METRICS:
            raise forbidden()
    return list(dict.fromkeys(names))


def _check_ids(params: QueryParams, creator: Creator) -> None:
    ids = params.get("ids")
    if not ids:
        raise missing_parameter("ids")
    if not has_channel(creator) or ids not in ("channel==MINE", f"channel=={channel_id(creator)}"):
        raise forbidden()


def _value(name: str, value: float) -> float | int:
    return float(value) if ANALYTICS_METRICS[name] == "FLOAT" else int(value)


def _totals(days: list[dict[str, float]], names: list[str]) -> list[float | int]:
    """One row for the whole range (no dimension): sums, and averages weighted by views."""
    views = sum(d["views"] for d in days)
    row: list[float | int] = []
    for name in names:
        if name == "averageViewDuration":
            minutes = sum(d["estimatedMinutesWatched"] for d in days)
            row.append(round(minutes * 60 / views) if views else 0)
        elif name == "averageViewPercentage":
            weighted = sum(d[name] * d["views"] for d in days)
            row.append(round(weighted / views, 2) if views else 0.0)
        else:
            row.append(_value(name, sum(d[name] for d in days)))
    return row


class AnalyticsApi:
    """``reports.query`` for channel reports, bound to one emulator instance."""

    def __init__(self, ctx: YouTubeContext) -> None:
        self.ctx = ctx
        self.core = ctx.core

    async def handle(self, request: Request) -> Response:
        try:
            return raw_json_response(self._query(request))
        except GoogleApiError as err:
            return err.response()

    def _query(self, request: Request) -> bytes:
        """The rendered report: a pure function of the caller, the query, the retired metrics
        and the date once the token passed, so it is computed once and then reused."""
        token, creator = authenticate(self.ctx, request)
        if not ANALYTICS_SCOPES & set(token.scopes):
            raise insufficient_scopes()
        retired = self.core.faults.retired_metrics(PLATFORM)
        today = self.core.today()
        query: bytes = request.scope.get("query_string", b"")
        return self.core.memo.get(
            ("youtube-analytics", creator.key, query, frozenset(retired), today),
            lambda: json_bytes(self._report(creator, request.query_params, retired, today)),
        )

    def _report(
        self, creator: Creator, params: QueryParams, retired: set[str], today: date
    ) -> dict[str, object]:
        _check_ids(params, creator)
        start, end = _date(params, "startDate"), _date(params, "endDate")
        if end < start:
            raise bad_request("The query is not supported: endDate is earlier than startDate.")
        names = _metrics(params, retired)
        dimensions = params.get("dimensions", "")
        if dimensions not in ("", "day"):
            raise bad_request("The query is not supported. Supported dimensions here: day.")
        sort = params.get("sort", "")
        if sort not in ("", "day", "-day") or (sort and not dimensions):
            raise bad_request("The query is not supported: invalid sort.")
        first = max(start, channel_created(creator))
        last = min(end, today - timedelta(days=ANALYTICS_LAG_DAYS))
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        values = [day_metrics(creator, d) for d in days]
        headers = [
            {"name": n, "columnType": "METRIC", "dataType": ANALYTICS_METRICS[n]} for n in names
        ]
        rows: list[list[object]]
        if dimensions:
            headers.insert(0, {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"})
            rows = [
                [d.isoformat(), *(_value(n, v[n]) for n in names)]
                for d, v in zip(days, values, strict=True)
            ]
            if sort == "-day":
                rows.reverse()
        else:
            rows = [list(_totals(values, names))] if values else []
        body: dict[str, object] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:
            body["rows"] = rows  # Google leaves "rows" out when there is no data
        return body


def build_analytics_router(ctx: YouTubeContext) -> APIRouter:
    router = APIRouter()
    api = AnalyticsApi(ctx)

    @router.get(REPORTS_PATH, response_model=None)
    async def reports(request: Request) -> Response:
        """``reports.query``: channel==MINE, metrics, optional ``dimensions=day``."""
        return await api.handle(request)

    return router
