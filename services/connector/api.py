"""The connector's HTTP routes: the portal's, the admin CRM's, and the internal one."""

from __future__ import annotations

import html
import uuid
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector import connections as flows
from services.connector.context import ConnectorContext
from services.connector.schemas import AccessTokenGrant, ConnectionPublic, ConnectStart
from shared.auth import AdminDep, ClientDep, ServiceDep
from shared.platforms import Platform
from shared.platforms.registry import UnknownPlatform, parse_platform


def get_context(request: Request) -> ConnectorContext:
    context: ConnectorContext = request.app.state.connector
    return context


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_context(request).runtime.sessions() as session:
        yield session


ContextDep = Annotated[ConnectorContext, Depends(get_context)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


def _platform(name: str, context: ConnectorContext) -> Platform:
    try:
        return parse_platform(name, context.clients)
    except UnknownPlatform as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown platform: {name}"
        ) from error


portal = APIRouter(prefix="/api/portal/social", tags=["portal"])
admin = APIRouter(prefix="/api/admin/social", tags=["admin"])
internal = APIRouter(prefix="/internal", tags=["internal"])


@portal.get("/connections", response_model=list[ConnectionPublic])
async def list_own_connections(principal: ClientDep, session: SessionDep) -> list[ConnectionPublic]:
    rows = await flows.list_connections(session, principal.client_id)
    return [flows.to_public(row) for row in rows]


@portal.post("/connect/{platform}", response_model=ConnectStart)
async def connect(
    platform: str, principal: ClientDep, session: SessionDep, context: ContextDep
) -> ConnectStart:
    chosen = _platform(platform, context)
    assert principal.client_id is not None  # guaranteed for the client role
    started = await flows.start_connect(
        session,
        client_id=principal.client_id,
        platform=chosen,
        client=context.clients[chosen],
        settings=context.settings,
        cipher=context.cipher,
    )
    return ConnectStart(
        platform=chosen.value,
        authorization_url=started.authorization_url,
        state_expires_at=started.expires_at,
    )


@portal.get("/callback/{platform}", include_in_schema=True)
async def callback(
    platform: str,
    session: SessionDep,
    context: ContextDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    """The platform sends the browser here; we answer with a redirect to the portal."""
    chosen = _platform(platform, context)
    target = context.settings.portal_redirect_url
    try:
        connection = await flows.complete_connect(
            session,
            platform=chosen,
            state=state,
            code=code,
            error=error,
            client=context.clients[chosen],
            cipher=context.cipher,
        )
    except flows.ConnectError as failure:
        query = {
            "status": "error",
            "platform": chosen.value,
            "error": failure.code,
            "message": failure.message,
        }
        return RedirectResponse(f"{target}?{urlencode(query)}", status.HTTP_303_SEE_OTHER)
    context.relay.wake()
    query = {"status": "connected", "platform": chosen.value, "connection_id": str(connection.id)}
    return RedirectResponse(f"{target}?{urlencode(query)}", status.HTTP_303_SEE_OTHER)


@portal.get("/connect/result", response_class=HTMLResponse, include_in_schema=False)
async def connect_result(
    status_: Annotated[str, Query(alias="status")] = "",
    platform: str = "",
    message: str = "",
) -> HTMLResponse:
    """Landing page for the embedded default (production portals configure their own URL)."""
    ok = status_ == "connected"
    title = f"{platform.title()} connected" if ok else "Connection failed"
    body = "You can close this window." if ok else (message or "Please try again.")
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1><p>{html.escape(body)}</p></body></html>",
        status_code=200 if ok else 400,
    )


@admin.get("/connections", response_model=list[ConnectionPublic])
async def list_any_connections(
    _admin: AdminDep, session: SessionDep, client_id: str | None = None
) -> list[ConnectionPublic]:
    rows = await flows.list_connections(session, client_id)
    return [flows.to_public(row) for row in rows]


@internal.get("/connections/{connection_id}/access-token", response_model=AccessTokenGrant)
async def lend_access_token(
    connection_id: uuid.UUID, _service: ServiceDep, session: SessionDep, context: ContextDep
) -> AccessTokenGrant:
    try:
        return await flows.access_token(session, connection_id, context.cipher)
    except flows.NotFound as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="no active connection with that id"
        ) from error
