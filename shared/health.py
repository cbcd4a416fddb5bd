"""Liveness and readiness.

``/healthz`` answers as long as the process serves HTTP (restart me if not). ``/readyz`` checks
what the service needs to do useful work — its database and the broker — so Kubernetes stops
routing to a pod that cannot serve, without restarting it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[object]]


def health_router(checks: dict[str, Check], *, timeout: float = 3.0) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                ok = await asyncio.wait_for(check(), timeout)
                results[name] = "ok" if ok is not False else "unavailable"
            except Exception as error:  # any failure means "not ready", with the reason
                results[name] = f"unavailable: {type(error).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
