"""The local stand-in for the Kubernetes Ingress: one base URL for the whole HTTP API.

Every path is checked first (``services.local.paths``: decoded once; traversal, encoded
slashes, control characters and over-long URLs are refused with a 400 or 414). Only then is it
routed by prefix (``services.registry.PUBLIC_ROUTES``, the same table the Ingress uses) to the
service's public port, and the checked path, not the raw one, goes upstream. The services'
internal ports (``/metrics``, ``/internal``) are never among the upstreams. A service that
cannot be reached answers 503 (504 when it is too slow), never 500.

WebSockets (the live updates) take the same path checks and routes. The gateway opens the
upstream socket first, with the client's ``Authorization`` header and query, then accepts the
client and relays frames both ways until either end closes, and closes the other with the same
code. What HTTP would answer with a status is told to a socket as a close right after the
handshake (browsers never see a refused handshake's status): 1008 and the reason for a refused
path or route, 1013 when the service is unavailable or slow to answer, 1014 when it fails. Each
hop keeps itself alive with its own pings (uvicorn's towards the client, ``websockets``'
upstream).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import websockets
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketState
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from services.local.board import ProcessBoard, ProcessState
from services.local.paths import RefusedPath, checked_path, encoded
from services.registry import PUBLIC_ROUTES, route_for
from shared.websocket import close_reason

#: How long a client is asked to wait before retrying a service that is down.
RETRY_AFTER_SECONDS = 2
UPSTREAM_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
#: How long the upstream WebSocket handshake may take, and the largest frame relayed (uvicorn's
#: own limit towards clients).
SOCKET_OPEN_TIMEOUT = 10.0
SOCKET_MAX_BYTES = 16 * 2**20
#: What a WebSocket handshake carries upstream: the credential and the correlation ids. (The
#: handshake's own headers are each hop's; the token may also be in the query, passed as is.)
_SOCKET_FORWARDED = ("authorization", "x-correlation-id", "x-request-id")
#: Close codes a peer reports but that cannot be sent (RFC 6455 §7.4.1: 1005 no code, 1006 lost).
_UNSENDABLE_CLOSE = {1005, 1006}
#: RFC 6455 close codes standing for the HTTP answers: policy violation (refused), try again
#: later (unavailable), bad gateway (the upstream failed).
REFUSED, TRY_LATER, BAD_GATEWAY = 1008, 1013, 1014

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "date",
    "server",
}


class PathGuard:
    """Refuses unsafe paths before any routing (HTTP and WebSocket); puts the checked path in
    the scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # uvicorn gives the path alone; some servers (httpx's ASGI transport) add the query.
        raw = scope.get("raw_path") or encoded(scope["path"])
        raw = raw.split(b"?", 1)[0]
        try:
            path = checked_path(raw, scope.get("query_string", b""))
        except RefusedPath as refused:
            if scope["type"] == "websocket":
                await _refuse_socket(receive, send, REFUSED, refused.reason)
            else:
                answer = JSONResponse({"detail": refused.reason}, status_code=refused.status)
                await answer(scope, receive, send)
            return
        await self.app({**scope, "path": path, "raw_path": encoded(path)}, receive, send)


async def _refuse_socket(receive: Receive, send: Send, code: int, reason: str) -> None:
    """Complete the handshake and close at once with ``code`` and ``reason`` (nothing else is
    sent): the one refusal a browser's WebSocket can read."""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code, "reason": close_reason(reason)})


def create_gateway(
    upstreams: dict[str, str],
    *,
    emulator_url: str | None = None,
    board: ProcessBoard | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``upstreams`` maps a service name to its public base URL.

    ``board`` is the supervisor's view of its processes (``lsa up``); with it, ``/healthz``
    tells a service that is being restarted from one that is down. ``transport`` replaces the
    network towards the upstreams (tests).
    """
    client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT, transport=transport)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    # No /docs of its own: like the Ingress, it answers only /api/... (plus / and /healthz).
    app = FastAPI(
        title="Live Social Analytics — local gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(PathGuard)

    def restarting(service: str) -> bool:
        return board is not None and board.state(service) is ProcessState.RESTARTING

    async def service_state(name: str) -> str:
        if restarting(name):
            return "restarting"
        try:
            answer = await client.get(f"{upstreams[name]}/readyz", timeout=3)
        except httpx.HTTPError:
            return "down"
        return "up" if answer.status_code == 200 else "down"

    @app.get("/", include_in_schema=False)
    async def index() -> dict[str, object]:
        return {
            "system": "Live Social Analytics (embedded default)",
            "routes": {prefix: service for prefix, service in PUBLIC_ROUTES},
            "services": upstreams,
            "platform_emulator": emulator_url,
        }

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        names = list(upstreams)
        states = dict(zip(names, await asyncio.gather(*map(service_state, names)), strict=True))
        ok = all(state == "up" for state in states.values())
        body: dict[str, object] = {"status": "ok" if ok else "degraded", "services": states}
        if board is not None:
            body["restarts"] = board.restarts()
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.api_route(
        "/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    )
    async def proxy(request: Request) -> Response:
        service = route_for(request.scope["path"])
        if service is None or service not in upstreams:
            return JSONResponse({"detail": "no such route"}, status_code=404)
        try:
            url = httpx.URL(upstreams[service]).copy_with(
                raw_path=request.scope["raw_path"] + _query(request)
            )
        except httpx.InvalidURL:
            return JSONResponse({"detail": "invalid query string"}, status_code=400)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        upstream = client.build_request(
            request.method, url, headers=headers, content=request.stream()
        )
        try:
            answer = await client.send(upstream, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            why = "is restarting" if restarting(service) else "is unavailable"
            return JSONResponse(
                {"detail": f"{service} {why}"},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        except httpx.TimeoutException:
            return JSONResponse({"detail": f"{service} did not answer in time"}, status_code=504)
        except httpx.TransportError:
            return JSONResponse({"detail": f"{service} dropped the connection"}, status_code=502)
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers={k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP},
            background=BackgroundTask(answer.aclose),
        )

    @app.websocket("/api/{path:path}")
    async def proxy_socket(websocket: WebSocket) -> None:
        scope = websocket.scope

        async def refuse(code: int, reason: str) -> None:
            await _refuse_socket(websocket.receive, websocket.send, code, reason)

        service = route_for(scope["path"])
        if service is None or service not in upstreams:
            await refuse(REFUSED, "no such route")
            return
        query: bytes = scope.get("query_string", b"")
        if any(byte <= 0x20 or byte >= 0x7F for byte in query):
            await refuse(REFUSED, "invalid query string")
            return
        base = upstreams[service].replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        url = base + scope["raw_path"].decode("ascii") + (f"?{query.decode()}" if query else "")
        forwarded = [(k, v) for k, v in websocket.headers.items() if k in _SOCKET_FORWARDED]
        try:
            upstream = await websockets.connect(
                url,
                additional_headers=forwarded,
                subprotocols=scope.get("subprotocols") or None,
                user_agent_header=websocket.headers.get("user-agent"),
                proxy=None,  # the upstreams are this machine's ports, never behind a proxy
                compression=None,  # loopback: deflating would cost CPU for nothing
                open_timeout=SOCKET_OPEN_TIMEOUT,
                max_size=SOCKET_MAX_BYTES,
            )
        except InvalidStatus as refused:  # e.g. no WebSocket route there (403)
            status = refused.response.status_code
            await refuse(BAD_GATEWAY, f"{service} refused the WebSocket (HTTP {status})")
            return
        except TimeoutError:
            await refuse(TRY_LATER, f"{service} did not answer in time")
            return
        except OSError:  # refused, reset, unreachable: as HTTP's 503
            why = "is restarting" if restarting(service) else "is unavailable"
            await refuse(TRY_LATER, f"{service} {why}")
            return
        except InvalidHandshake:  # not a WebSocket answer, or cut off mid-handshake
            await refuse(BAD_GATEWAY, f"{service} dropped the connection")
            return
        async with upstream:
            await websocket.accept(subprotocol=upstream.subprotocol)
            await _relay(websocket, upstream, service)

    return app


async def _relay(websocket: WebSocket, upstream: ClientConnection, service: str) -> None:
    """Frames both ways until one end closes; then the other is closed with its code."""

    async def down() -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in upstream:
                if isinstance(message, str):
                    await websocket.send_text(message)
                else:
                    await websocket.send_bytes(message)

    async def up() -> tuple[int, str]:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return int(message.get("code") or 1000), str(message.get("reason") or "")
            if message.get("text") is not None:
                await upstream.send(message["text"])
            elif message.get("bytes") is not None:
                await upstream.send(message["bytes"])

    downward, upward = asyncio.create_task(down()), asyncio.create_task(up())
    try:
        await asyncio.wait((downward, upward), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (downward, upward):
            task.cancel()
        outcomes = await asyncio.gather(downward, upward, return_exceptions=True)
    if isinstance(outcomes[1], tuple):  # the client left: tell the service
        code, reason = outcomes[1]
        await upstream.close(1001 if code in _UNSENDABLE_CLOSE else code, reason)
        return
    closed = upstream.protocol.close_rcvd
    if closed is None:  # the service dropped the TCP connection without a close frame
        code, reason = BAD_GATEWAY, f"{service} dropped the connection"
    else:
        code = 1000 if closed.code in _UNSENDABLE_CLOSE else closed.code
        reason = closed.reason
    if websocket.client_state is WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the client may be gone too
            await websocket.close(code, reason)


def _query(request: Request) -> bytes:
    query: bytes = request.scope.get("query_string", b"")
    return b"?" + query if query else b""
