"""Adds configured latency to platform responses so benchmarks see network-like delays."""

import asyncio
from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.core import EmulatorCore


class LatencyMiddleware:
    """Sleeps ``latency_ms`` (+ any latency fault) before serving a platform host's request.

    Control endpoints (``/_emulator``) are never delayed.
    """

    def __init__(self, app: ASGIApp, core: EmulatorCore, hosts: Mapping[str, str]) -> None:
        self.app = app
        self.core = core
        self.hosts = dict(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = str(scope.get("path", "")).lstrip("/").split("/", 1)[0]
            platform = self.hosts.get(host)
            if platform is not None:
                delay_ms = self.core.settings.latency_ms
                delay_ms += self.core.faults.extra_latency_ms(platform)
                if delay_ms > 0:
                    await asyncio.sleep(delay_ms / 1000.0)
        await self.app(scope, receive, send)
