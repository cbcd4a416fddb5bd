"""One service process, two listeners: the public port and the internal port.

The public server owns the lifespan (broker, background jobs) and the signals (SIGTERM, Ctrl-C).
The internal server opens only once the public app has started, so ``/internal`` routes never
run before the service is wired, and it closes as soon as the public server begins to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn


class _Companion(uvicorn.Server):
    """A uvicorn server that follows a leader: no signal handlers, stops when the leader does."""

    def __init__(self, config: uvicorn.Config, leader: uvicorn.Server) -> None:
        super().__init__(config)
        self.leader = leader

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def on_tick(self, counter: int) -> bool:
        return self.leader.should_exit or await super().on_tick(counter)


class _Leader(uvicorn.Server):
    """A uvicorn server that says when its start-up (lifespan, listening socket) is done."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.up = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.up.set()


class DualServer:
    """Serves ``public`` and ``internal`` (two uvicorn configs) from one event loop."""

    def __init__(self, public: uvicorn.Config, internal: uvicorn.Config) -> None:
        self.public = _Leader(public)
        self.internal = _Companion(internal, self.public)

    async def serve(self) -> None:
        # Bound first (a taken port fails before any start-up work), listening only later.
        internal = _bind(self.internal.config.host, self.internal.config.port)
        leading = asyncio.create_task(self.public.serve())
        up = asyncio.create_task(self.public.up.wait())
        await asyncio.wait((leading, up), return_when=asyncio.FIRST_COMPLETED)
        if not up.done():  # stopped during start-up
            up.cancel()
            internal.close()
            await leading
            return
        following = asyncio.create_task(self.internal.serve(sockets=[internal]))
        try:
            await leading
        finally:
            self.internal.should_exit = True
            await following

    def run(self) -> None:
        asyncio.run(self.serve())


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"cannot listen on the internal port {host}:{port}: {error}") from None
    return sock
