"""Analytics' HTTP routes: a client's dashboards (``views``), the same for admins for any
client; admins also keep clients' programs and import an account's earlier history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history, programs, views
from services.analytics.context import AnalyticsContext
from services.analytics.domain.dashboard import Metric
from services.analytics.domain.top_content import DEFAULT_LIMIT
from services.analytics.history_import import parse_history_csv
from services.analytics.models import TrackedConnection
from services.analytics.schemas import (
    ClientOverviewPublic,
    ClientProgramPublic,
    ClientProgramUpdate,
    DeliverablePublic,
    DeliverableUpdate,
    GrowthSeries,
    HistoryImportPublic,
    Overview,
    PlatformMetrics,
    TopContentPublic,
)
from services.analytics.views import RangeName, TopBy
from shared import clock
from shared.auth import Principal
from shared.date_params import BoundedDate
from shared.dependencies import AdminDep, ClientDep, SessionDep
from shared.events import ClientUpserted, CrmEvent, DeliverableRemoved, DeliverableUpserted
from shared.events.crm import CODE_PATTERN

portal = APIRouter(prefix="/api/portal/social", tags=["portal"])
admin = APIRouter(prefix="/api/admin/social", tags=["admin"])


async def _tracked(
    session: AsyncSession, connection_id: uuid.UUID, client_id: str | None
) -> TrackedConnection:
    """The connection, if the caller may see it (404 either way, so ids do not leak)."""
    tracked = await session.get(TrackedConnection, connection_id)
    if tracked is None or (client_id is not None and tracked.client_id != client_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such connection")
    return tracked


ClientIdPath = Annotated[str, Path(min_length=1, max_length=128)]
FromQuery = Annotated[BoundedDate | None, Query(alias="from")]
ToQuery = Annotated[BoundedDate | None, Query(alias="to")]
PlatformPath = Annotated[
    str, Path(description="instagram, tiktok, youtube, x, linkedin or facebook (404 otherwise)")
]
SeriesPlatformPath = Annotated[
    str, Path(description="a platform, or `all` for every connected account combined")
]
RangeQuery = Annotated[
    RangeName | None,
    Query(
        alias="range",
        description="7d, 30d, 90d, all or custom (default: custom with from/to, else 30d)",
    ),
]
MetricQuery = Annotated[Metric, Query(description="the series' metric")]
TopPlatformQuery = Annotated[
    str | None, Query(alias="platform", description="one platform; every one by default")
]
ByQuery = Annotated[TopBy, Query(description="the ranking metric")]
LimitQuery = Annotated[int, Query(ge=1, le=50)]


def _own(principal: Principal) -> str:
    assert principal.client_id is not None  # ClientDep guarantees it
    return principal.client_id


# --- the portal: the caller's own views -----------------------------------------------------


@portal.get("/overview", response_model=Overview)
async def own_overview(principal: ClientDep, session: SessionDep) -> Overview:
    return await views.overview(session, _own(principal))


@portal.get("/top-content", response_model=TopContentPublic)
async def own_top_content(
    principal: ClientDep,
    session: SessionDep,
    range_name: RangeQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    platform: TopPlatformQuery = None,
    by: ByQuery = TopBy.ENGAGEMENT,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> TopContentPublic:
    return await views.top(session, _own(principal), platform, range_name, start, end, by, limit)


@portal.get("/{platform}/metrics", response_model=PlatformMetrics)
async def own_platform_metrics(
    platform: PlatformPath,
    principal: ClientDep,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> PlatformMetrics:
    """The account's figures and insights, and its daily history (default: the last 90 days)."""
    return await views.platform_metrics(session, _own(principal), platform, start, end)


@portal.get("/{platform}/growth", response_model=GrowthSeries)
async def own_growth(
    platform: SeriesPlatformPath,
    principal: ClientDep,
    session: SessionDep,
    range_name: RangeQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    metric: MetricQuery = Metric.FOLLOWERS,
) -> GrowthSeries:
    return await views.growth_series(
        session, _own(principal), platform, metric, range_name, start, end
    )


# --- admins: any client's views -------------------------------------------------------------


@admin.get("/clients/{client_id}", response_model=ClientOverviewPublic)
async def client_overview(
    client_id: ClientIdPath, _admin: AdminDep, session: SessionDep
) -> ClientOverviewPublic:
    """The client's platforms, program start versus now, milestones, trend and forecast."""
    return await views.client_overview(session, client_id)


@admin.get("/clients/{client_id}/overview", response_model=Overview)
async def client_portal_overview(
    client_id: ClientIdPath, _admin: AdminDep, session: SessionDep
) -> Overview:
    """The client's ``/api/portal/social/overview``."""
    return await views.overview(session, client_id, known=True)


@admin.get("/clients/{client_id}/top-content", response_model=TopContentPublic)
async def client_top_content(
    client_id: ClientIdPath,
    _admin: AdminDep,
    session: SessionDep,
    range_name: RangeQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    platform: TopPlatformQuery = None,
    by: ByQuery = TopBy.ENGAGEMENT,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> TopContentPublic:
    """The client's ``/api/portal/social/top-content``."""
    return await views.top(
        session, client_id, platform, range_name, start, end, by, limit, known=True
    )


@admin.get("/clients/{client_id}/{platform}/metrics", response_model=PlatformMetrics)
async def client_platform_metrics(
    client_id: ClientIdPath,
    platform: PlatformPath,
    _admin: AdminDep,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> PlatformMetrics:
    """The client's ``/api/portal/social/{platform}/metrics``."""
    return await views.platform_metrics(session, client_id, platform, start, end, known=True)


@admin.get("/clients/{client_id}/{platform}/growth", response_model=GrowthSeries)
async def client_growth(
    client_id: ClientIdPath,
    platform: SeriesPlatformPath,
    _admin: AdminDep,
    session: SessionDep,
    range_name: RangeQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    metric: MetricQuery = Metric.FOLLOWERS,
) -> GrowthSeries:
    """The client's ``/api/portal/social/{platform}/growth``."""
    return await views.growth_series(
        session, client_id, platform, metric, range_name, start, end, known=True
    )


CodePath = Annotated[str, Path(pattern=CODE_PATTERN, description="M1, M2, … M999")]
#: The largest history import accepted (about 35,000 rows of four columns).
MAX_IMPORT_BYTES = 1024 * 1024
_NO_SUCH_CLIENT = "no such client (its program is created with PUT …/program)"


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back naive; every one was written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _program_public(found: programs.Program) -> ClientProgramPublic:
    client = found.client
    return ClientProgramPublic(
        client_id=client.client_id,
        name=client.name,
        email=client.email,
        timezone=client.timezone,
        program_start=client.program_start,
        program_end=client.program_end,
        follower_goal=client.follower_goal,
        updated_at=_aware(client.updated_at),
        deliverables=[
            DeliverablePublic(
                code=d.code,
                title=d.title,
                due_on=d.due_on,
                completed_on=d.completed_on,
                updated_at=_aware(d.updated_at),
            )
            for d in found.deliverables
            if d.due_on is not None
        ],
    )


async def _program(session: AsyncSession, client_id: str) -> programs.Program:
    found = await programs.program(session, client_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NO_SUCH_CLIENT)
    return found


async def _apply(session: AsyncSession, event: CrmEvent) -> None:
    """Store an admin's change through the CRM events' own rule; 409 if a newer one is kept."""
    if await programs.apply_event(session, event) is programs.Outcome.STALE:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="a newer version from the CRM is stored (its updated_at is later than now)",
        )


@admin.get("/clients/{client_id}/program", response_model=ClientProgramPublic)
async def client_program(
    client_id: ClientIdPath, _admin: AdminDep, session: SessionDep
) -> ClientProgramPublic:
    return _program_public(await _program(session, client_id))


@admin.put("/clients/{client_id}/program", response_model=ClientProgramPublic)
async def put_client_program(
    client_id: ClientIdPath, body: ClientProgramUpdate, _admin: AdminDep, session: SessionDep
) -> ClientProgramPublic:
    """Create or replace the client's program (what the CRM's ``client.upserted`` does)."""
    event = ClientUpserted(client_id=client_id, updated_at=clock.now(), **body.model_dump())
    await _apply(session, event)
    return _program_public(await _program(session, client_id))


@admin.put("/clients/{client_id}/deliverables/{code}", response_model=DeliverablePublic)
async def put_deliverable(
    client_id: ClientIdPath,
    code: CodePath,
    body: DeliverableUpdate,
    _admin: AdminDep,
    session: SessionDep,
) -> DeliverablePublic:
    """Create or replace one deliverable of an existing program."""
    await _program(session, client_id)
    event = DeliverableUpserted(
        client_id=client_id, code=code, updated_at=clock.now(), **body.model_dump()
    )
    await _apply(session, event)
    stored = await programs.deliverable(session, client_id, code)
    assert stored is not None
    assert stored.due_on is not None
    return DeliverablePublic(
        code=stored.code,
        title=stored.title,
        due_on=stored.due_on,
        completed_on=stored.completed_on,
        updated_at=_aware(stored.updated_at),
    )


@admin.delete("/clients/{client_id}/deliverables/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_deliverable(
    client_id: ClientIdPath, code: CodePath, _admin: AdminDep, session: SessionDep
) -> Response:
    await _program(session, client_id)
    if await programs.deliverable(session, client_id, code) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such deliverable")
    await _apply(
        session, DeliverableRemoved(client_id=client_id, code=code, updated_at=clock.now())
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _csv_body(request: Request) -> str:
    """The request's CSV text: 415 unless ``text/csv``, 413 over the limit, 422 unless UTF-8."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "text/csv":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"send the rows as Content-Type: text/csv, not {kind or 'nothing'!r}",
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_IMPORT_BYTES:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                detail=f"at most {MAX_IMPORT_BYTES} bytes per import",
            )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"the body is not UTF-8 text (byte {error.start})",
        ) from error


_CSV_BODY: dict[str, object] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "date,followers,following,posts\n2026-03-01,5000,310,120\n",
            }
        },
    }
}


@admin.post(
    "/clients/{client_id}/connections/{connection_id}/import",
    response_model=HistoryImportPublic,
    openapi_extra=_CSV_BODY,
)
async def import_connection_history(
    client_id: ClientIdPath,
    connection_id: uuid.UUID,
    request: Request,
    _admin: AdminDep,
    session: SessionDep,
) -> HistoryImportPublic:
    """Load an account's earlier daily counts (CSV ``date,followers[,following,posts]``).

    Every bad row → 422 naming its line, nothing stored. Days the platform already reported
    are skipped (listed in the answer); an imported day replaces an earlier import of it.
    """
    await _tracked(session, connection_id, client_id)
    parsed = parse_history_csv(await _csv_body(request), clock.today())
    if parsed.errors:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=parsed.details())
    done = await history.import_history(session, connection_id, parsed.rows, clock.now())
    if done is None:  # cannot happen after the check above; kept for the type
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such connection")
    context: AnalyticsContext = request.app.state.analytics
    context.relay.wake()  # the MetricsUpdated it queued go out now, not at the next poll
    return HistoryImportPublic(
        connection_id=connection_id,
        imported=len(done.imported),
        skipped_platform_days=done.skipped_platform_days,
        revision=done.outcome.revision,
    )
