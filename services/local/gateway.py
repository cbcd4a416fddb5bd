"""The local stand-in for the Kubernetes Ingress: one base URL for the whole HTTP API.

Routes by path prefix (``services.registry.PUBLIC_ROUTES``, the same table the Ingress uses) and
streams requests and answers through unchanged. ``/internal`` and ``/metrics`` are not routed,
exactly as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from services.registry import PUBLIC_ROUTES, route_for

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


def create_gateway(upstreams: dict[str, str], *, emulator_url: str | None = None) -> FastAPI:
    """``upstreams`` maps a service name to its base URL."""
    client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(title="Live Social Analytics — local gateway", lifespan=lifespan)

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
        states = {}
        for name, base in upstreams.items():
            try:
                ready = (await client.get(f"{base}/readyz", timeout=3)).status_code == 200
            except httpx.HTTPError:
                ready = False
            states[name] = "ready" if ready else "not ready"
        ok = all(v == "ready" for v in states.values())
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "services": states},
            status_code=200 if ok else 503,
        )

    @app.api_route(
        "/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    )
    async def proxy(request: Request, path: str) -> Response:
        service = route_for(f"/api/{path}")
        if service is None or service not in upstreams:
            return JSONResponse({"detail": "no such route"}, status_code=404)
        url = httpx.URL(f"{upstreams[service]}/api/{path}", query=request.url.query.encode())
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        upstream = client.build_request(
            request.method, url, headers=headers, content=request.stream()
        )
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.HTTPError:
            return JSONResponse({"detail": f"{service} is unavailable"}, status_code=503)
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers={k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP},
            background=BackgroundTask(answer.aclose),
        )

    return app
