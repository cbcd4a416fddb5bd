"""The local stand-in for the Kubernetes Ingress: one base URL for the whole HTTP API.

Every path is checked first (``services.local.paths``: decoded once; traversal, encoded
slashes, control characters and over-long URLs are refused with a 400 or 414). Only then is it
routed by prefix (``services.registry.PUBLIC_ROUTES``, the same table the Ingress uses) to the
service's public port, and the checked path, not the raw one, goes upstream. The services'
internal ports (``/metrics``, ``/internal``) are never among the upstreams. A service that
cannot be reached answers 503 (504 when it is too slow), never 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Receive, Scope, Send

from services.local.board import ProcessBoard, ProcessState
from services.local.paths import RefusedPath, checked_path, encoded
from services.registry import PUBLIC_ROUTES, route_for

#: How long a client is asked to wait before retrying a service that is down.
RETRY_AFTER_SECONDS = 2
UPSTREAM_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

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
    """Refuses unsafe paths before any routing; puts the checked path in the scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # uvicorn gives the path alone; some servers (httpx's ASGI transport) add the query.
        raw = scope.get("raw_path") or encoded(scope["path"])
        raw = raw.split(b"?", 1)[0]
        try:
            path = checked_path(raw, scope.get("query_string", b""))
        except RefusedPath as refused:
            answer = JSONResponse({"detail": refused.reason}, status_code=refused.status)
            await answer(scope, receive, send)
            return
        await self.app({**scope, "path": path, "raw_path": encoded(path)}, receive, send)


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

    return app


def _query(request: Request) -> bytes:
    query: bytes = request.scope.get("query_string", b"")
    return b"?" + query if query else b""
