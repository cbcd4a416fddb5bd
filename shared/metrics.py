"""Prometheus metrics every service exposes on ``/metrics``.

Label values are bounded on purpose: the HTTP route *template* (never the raw path, which would
carry ids), the topic name, and a small error class. Nothing user-supplied becomes a label.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUEST_SECONDS = Histogram(
    "lsa_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route", "status"],
)
EVENTS_CONSUMED = Counter(
    "lsa_events_consumed_total", "Kafka messages handled successfully.", ["topic"]
)
EVENTS_PUBLISHED = Counter("lsa_events_published_total", "Kafka messages published.", ["topic"])
EVENTS_FAILED = Counter(
    "lsa_events_failed_total",
    "Kafka messages that failed (reason: invalid, handler_error, retry).",
    ["topic", "reason"],
)
EVENTS_DEAD_LETTERED = Counter(
    "lsa_events_dead_lettered_total", "Kafka messages sent to a dead-letter topic.", ["topic"]
)


def _route_template(scope: Scope) -> str:
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


class PrometheusMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer streaming responses)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            HTTP_REQUEST_SECONDS.labels(
                scope["method"], _route_template(scope), str(status)
            ).observe(time.perf_counter() - started)


async def metrics_endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
