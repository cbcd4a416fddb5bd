"""The live-update WebSockets: a client's own updates, or any client's for an admin.

The token is the HTTP API's JWT, sent as ``Authorization: Bearer …`` (what a backend sends) or,
for a client that cannot set headers (a browser), as the ``access_token`` query parameter. A
token that is missing, invalid or of the wrong role gets the handshake completed and the socket
closed at once with 1008 and the HTTP API's reason (``missing bearer token``, ``token expired``,
``this route is for clients`` …), before it is subscribed to anything: a browser never sees the
status of a refused handshake, only a close code and reason (and uvicorn would log a denial
response as an error). A socket lives no longer than its token: at ``exp`` it is closed with
1008 too.
"""

from __future__ import annotations

import jwt
from fastapi import APIRouter, HTTPException, WebSocket, status

from services.analytics.context import AnalyticsContext
from services.analytics.live import LiveHub, serve_socket
from shared import clock
from shared.auth import Principal, Role, decode_token
from shared.settings import AuthSettings
from shared.websocket import close_reason

live = APIRouter(tags=["live"])

#: The query parameter that may carry the token when no header can be set.
TOKEN_PARAMETER = "access_token"  # noqa: S105  (a parameter name, not a secret)
#: RFC 6455's policy violation: the close code of every refusal.
REFUSED = 1008


@live.websocket("/api/portal/social/live")
async def portal_live(websocket: WebSocket) -> None:
    """The caller's own client's updates (client token)."""
    admitted = await _admit(websocket, Role.CLIENT)
    if admitted is not None:
        principal, expires_in = admitted
        assert principal.client_id is not None  # decode_token demands it of client tokens
        await serve_socket(websocket, _hub(websocket), principal.client_id, expires_in=expires_in)


@live.websocket("/api/admin/social/clients/{client_id}/live")
async def admin_live(websocket: WebSocket, client_id: str) -> None:
    """Any client's updates (admin token)."""
    admitted = await _admit(websocket, Role.ADMIN)
    if admitted is not None:
        await serve_socket(websocket, _hub(websocket), client_id, expires_in=admitted[1])


def _hub(websocket: WebSocket) -> LiveHub:
    context: AnalyticsContext = websocket.app.state.analytics
    return context.live


async def _admit(websocket: WebSocket, role: Role) -> tuple[Principal, float] | None:
    """The verified principal and the seconds its token has left, or None once refused."""
    settings: AuthSettings = websocket.app.state.auth_settings
    token = _token(websocket)
    try:
        if token is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="missing bearer token")
        principal = decode_token(token, settings)
        if principal.role is not role:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this route is for {role}s")
    except HTTPException as refused:
        await _refuse(websocket, refused)
        return None
    return principal, _expires_at(token) - clock.timestamp()


def _token(websocket: WebSocket) -> str | None:
    """The bearer token of the ``Authorization`` header, else of the query; the header wins."""
    header = websocket.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        return credentials.strip() or None if scheme.lower() == "bearer" else None
    return websocket.query_params.get(TOKEN_PARAMETER) or None


def _expires_at(token: str) -> float:
    """``exp`` of a token ``decode_token`` has just verified (signature, times, audience)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims["exp"])


async def _refuse(websocket: WebSocket, refused: HTTPException) -> None:
    await websocket.accept()
    await websocket.close(code=REFUSED, reason=close_reason(str(refused.detail)))
