"""The connector's HTTP routes: the portal's, the admin CRM's, and the internal one.

A client only ever sees and changes its own connections: another client's connection id answers
404 exactly like an unknown one, so ids leak nothing. No answer ever carries a token, except the
internal routes, which lend access tokens (never refresh tokens) to services: one connection's,
or a whole batch's in one call (the ingestor syncs in batches; one call and one query per batch
instead of one each per connection).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector import connections, disconnection, landing, oauth
from services.connector.context import ConnectorContext
from services.connector.models import Connection
from services.connector.schemas import (
    AccessTokenBatch,
    AccessTokenGrant,
    AccessTokensRequest,
    ConnectionPublic,
    ConnectStart,
    SyncAccepted,
    TokenUnavailable,
)
from services.connector.tokens import (
    ConnectionGone,
    LendRefusal,
    ReauthorizationNeeded,
    TokenKeeper,
)
from shared.db.types import as_utc
from shared.dependencies import AdminDep, ClientDep, ServiceDep, SessionDep
from shared.logging import get_logger
from shared.platforms import Platform
from shared.platforms.base import PlatformError, RefreshPolicy
from shared.platforms.registry import UnknownPlatform, parse_platform

log = get_logger(__name__)


def get_context(request: Request) -> ConnectorContext:
    context: ConnectorContext = request.app.state.connector
    return context


ContextDep = Annotated[ConnectorContext, Depends(get_context)]


def _platform(name: str, context: ConnectorContext) -> Platform:
    try:
        return parse_platform(name, context.clients)
    except UnknownPlatform as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown or disabled platform: {name}"
        ) from error


def _public(connection: Connection, context: ConnectorContext) -> ConnectionPublic:
    client = context.clients.get(connection.platform)
    policy = client.refresh_policy if client is not None else RefreshPolicy()
    return connections.to_public(connection, policy)


async def _owned(
    session: AsyncSession, connection_id: uuid.UUID, client_id: str | None
) -> Connection:
    try:
        return await connections.owned(session, connection_id, client_id)
    except connections.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such connection") from error


portal = APIRouter(prefix="/api/portal/social", tags=["portal"])
admin = APIRouter(prefix="/api/admin/social", tags=["admin"])
internal = APIRouter(prefix="/internal", tags=["internal"])


@portal.get("/connections", response_model=list[ConnectionPublic])
async def list_own_connections(
    principal: ClientDep, session: SessionDep, context: ContextDep
) -> list[ConnectionPublic]:
    rows = await connections.list_connections(session, principal.client_id)
    return [_public(row, context) for row in rows]


@portal.post("/connect/{platform}", response_model=ConnectStart)
async def connect(
    platform: str, principal: ClientDep, session: SessionDep, context: ContextDep
) -> ConnectStart:
    chosen = _platform(platform, context)
    assert principal.client_id is not None  # guaranteed for the client role
    started = await oauth.start_connect(
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


@portal.get("/callback/{platform}")
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
        connection = await oauth.complete_connect(
            session,
            platform=chosen,
            state=state,
            code=code,
            error=error,
            client=context.clients[chosen],
            cipher=context.cipher,
        )
    except oauth.ConnectError as failure:
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
    return landing.result_page(status_, platform, message)


@portal.delete("/connections/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
async def disconnect(
    connection_id: uuid.UUID,
    principal: ClientDep,
    session: SessionDep,
    context: ContextDep,
    purge_history: bool = False,
) -> Response:
    """Revoke at the platform where it can, delete the tokens, announce the disconnection.

    History stays unless ``purge_history=true``. A platform that fails to revoke does not keep
    the tokens alive here: they are deleted either way.
    """
    connection = await _owned(session, connection_id, principal.client_id)
    await disconnection.disconnect(
        session,
        connection,
        clients=context.clients,
        keeper=context.keeper,
        purge_history=purge_history,
    )
    context.relay.wake()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@portal.post(
    "/connections/{connection_id}/refresh",
    response_model=SyncAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={429: {"description": "a sync was requested less than an hour ago"}},
)
async def request_sync(
    connection_id: uuid.UUID, principal: ClientDep, session: SessionDep, context: ContextDep
) -> SyncAccepted | JSONResponse:
    connection = await _owned(session, connection_id, principal.client_id)
    interval = timedelta(seconds=context.settings.sync_request_interval_seconds)
    try:
        requested_at = await connections.request_sync(session, connection, interval=interval)
    except connections.TooSoon as wait:
        return JSONResponse(
            {
                "detail": "a sync was requested recently; try again later",
                "retry_after": wait.retry_after,
            },
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait.retry_after)},
        )
    except connections.NotActive as inactive:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"reconnect this account first: {inactive}"
        ) from inactive
    context.relay.wake()
    return SyncAccepted(connection_id=connection.id, requested_at=requested_at)


@admin.get("/connections", response_model=list[ConnectionPublic])
async def list_any_connections(
    _admin: AdminDep, session: SessionDep, context: ContextDep, client_id: str | None = None
) -> list[ConnectionPublic]:
    rows = await connections.list_connections(session, client_id)
    return [_public(row, context) for row in rows]


#: The single route's status for each reason a token is unavailable (the batch answers the reason).
_UNAVAILABLE_STATUS = {
    "gone": status.HTTP_404_NOT_FOUND,
    "reauth_required": status.HTTP_409_CONFLICT,
    "retry_later": status.HTTP_503_SERVICE_UNAVAILABLE,
}


def _unavailable(connection_id: uuid.UUID, refusal: LendRefusal) -> TokenUnavailable:
    """One place decides what a refusal means, so both internal routes say the same per id."""
    if isinstance(refusal, ConnectionGone):
        return TokenUnavailable(
            connection_id=connection_id, reason="gone", detail="no such connection"
        )
    if isinstance(refusal, ReauthorizationNeeded):
        return TokenUnavailable(
            connection_id=connection_id,
            reason="reauth_required",
            detail=f"re-authorization required: {refusal}",
        )
    return TokenUnavailable(
        connection_id=connection_id,
        reason="retry_later",
        detail=f"token refresh failed ({refusal.error_class}); try again later",
        retry_after=int(refusal.retry_after or 30),
    )


def _grant(connection: Connection, keeper: TokenKeeper) -> AccessTokenGrant:
    return AccessTokenGrant(
        connection_id=connection.id,
        platform=connection.platform,
        platform_user_id=connection.platform_user_id,
        access_token=keeper.decrypt_access(connection),
        expires_at=as_utc(connection.access_expires_at),
    )


@internal.get("/connections/{connection_id}/access-token", response_model=AccessTokenGrant)
async def lend_access_token(
    connection_id: uuid.UUID, _service: ServiceDep, context: ContextDep, refresh: bool = False
) -> AccessTokenGrant:
    """A usable access token for a sync (refreshed first if it is about to expire, or if the
    caller saw it refused: ``refresh=true``). 409 means the client must reconnect."""
    try:
        connection = await context.keeper.lend(connection_id, force_refresh=refresh)
    except (ConnectionGone, ReauthorizationNeeded, PlatformError) as error:
        refused = _unavailable(connection_id, error)
        headers = None if refused.retry_after is None else {"Retry-After": str(refused.retry_after)}
        raise HTTPException(
            _UNAVAILABLE_STATUS[refused.reason], detail=refused.detail, headers=headers
        ) from error
    return _grant(connection, context.keeper)


@internal.post("/access-tokens", response_model=AccessTokenBatch)
async def lend_access_tokens(
    body: AccessTokensRequest, _service: ServiceDep, context: ContextDep
) -> AccessTokenBatch:
    """The access tokens of a batch of syncs, in one call: the single route per id, answered 200.

    Each distinct id lands once in ``tokens`` or in ``unavailable`` (with the reason the single
    route would have answered as a status), so one dead connection does not fail its batch.
    There is no ``refresh=true`` here: a forced refresh follows a refusal of one token, and
    stays on the single route.
    """
    lent = await context.keeper.lend_many(body.connection_ids)
    tokens: list[AccessTokenGrant] = []
    unavailable: list[TokenUnavailable] = []
    for connection_id, outcome in lent.items():
        if isinstance(outcome, Connection):
            tokens.append(_grant(outcome, context.keeper))
        else:
            unavailable.append(_unavailable(connection_id, outcome))
    log.info(
        "access tokens lent",
        asked=len(lent),
        lent=len(tokens),
        unavailable=len(unavailable),
    )
    return AccessTokenBatch(tokens=tokens, unavailable=unavailable)
