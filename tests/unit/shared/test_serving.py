"""One process, two listeners: the internal port opens after the public app started and closes
with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from services.local.broker import free_port
from shared.serving import DualServer


def _config(app: FastAPI, port: int, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, **options)


async def _refused(url: str) -> bool:
    async with httpx.AsyncClient() as http:
        try:
            await http.get(url, timeout=1)
        except httpx.ConnectError:
            return True
    return False


async def test_the_internal_port_follows_the_public_servers_lifespan() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    stopped: list[str] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started.set()
        await release.wait()  # start-up work, e.g. joining the consumer groups
        yield
        stopped.append("public lifespan")

    public, internal = FastAPI(lifespan=lifespan), FastAPI()
    public.add_api_route("/healthz", lambda: {"port": "public"})
    internal.add_api_route("/metrics", lambda: {"port": "internal"})
    public_port, internal_port = free_port(), free_port()
    server = DualServer(
        _config(public, public_port), _config(internal, internal_port, lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    await asyncio.wait_for(started.wait(), 10)
    assert await _refused(f"http://127.0.0.1:{internal_port}/metrics")  # not during start-up

    release.set()
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            if server.internal.started:
                break
            await asyncio.sleep(0.05)
        answer = await http.get(f"http://127.0.0.1:{internal_port}/metrics")
        assert answer.json() == {"port": "internal"}
        assert (await http.get(f"http://127.0.0.1:{internal_port}/healthz")).status_code == 404
        assert (await http.get(f"http://127.0.0.1:{public_port}/healthz")).json() == {
            "port": "public"
        }
        assert (await http.get(f"http://127.0.0.1:{public_port}/metrics")).status_code == 404

    server.public.should_exit = True  # what SIGTERM / Ctrl-C does
    await asyncio.wait_for(serving, 10)
    assert stopped == ["public lifespan"]
    assert await _refused(f"http://127.0.0.1:{internal_port}/metrics")
    assert await _refused(f"http://127.0.0.1:{public_port}/healthz")


async def test_a_taken_internal_port_fails_before_start_up() -> None:
    started: list[str] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started.append("public")
        yield

    port = free_port()
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        server = DualServer(
            _config(FastAPI(lifespan=lifespan), free_port()),
            _config(FastAPI(), port, lifespan="off"),
        )
        with pytest.raises(SystemExit, match=f"internal port 127.0.0.1:{port}"):
            await server.serve()
    finally:
        blocker.close()
    assert started == []
