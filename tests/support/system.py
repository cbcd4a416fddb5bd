"""The five services, the emulator and real HTTP servers, in this process (integration tests).

Each service runs its real app (``create_app``) under uvicorn on a free port, and its internal
app (``/metrics``, ``/internal``) on another, with its own database of the kind under test,
against the real broker — only the process boundary differs from ``make run``. Starting order
and settings mirror ``services.local.supervisor``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from emulator.app import create_app as create_emulator
from emulator.settings import EmulatorSettings
from services.local.broker import free_port
from services.registry import SERVICES
from shared.db.migrations import upgrade
from shared.service import internal_app
from shared.settings import CommonSettings, KafkaSettings
from tests.support.databases import temporary_database


async def serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    # Up to 90 s: a replica joining groups that other members hold waits for their rebalance,
    # which on a loaded 2-core machine has taken over 30 s.
    for _ in range(1800):
        if server.started:
            return server, task
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"server on port {port} did not start")


@dataclass
class RunningSystem:
    kafka: str
    emulator_url: str
    urls: dict[str, str]
    database_urls: dict[str, str]
    #: The services' internal ports: ``/metrics`` and ``/internal/...``.
    internal_urls: dict[str, str] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)

    def client(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.urls[service], timeout=30)

    def internal_client(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.internal_urls[service], timeout=30)


#: The ingestor's ``sync_timeout_seconds`` in tests: far above a sync against the local emulator.
HUNG_SYNC_SECONDS = 8.0


@contextlib.asynccontextmanager
async def running_system(
    kafka: str, database_kind: str, tmp: Path, *, today: date | None = None
) -> AsyncIterator[RunningSystem]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    async with contextlib.AsyncExitStack() as stack:
        emulator_port = free_port()
        servers.append(await serve(create_emulator(EmulatorSettings(today=today)), emulator_port))
        emulator_url = f"http://127.0.0.1:{emulator_port}"
        ports = {name: free_port() for name in SERVICES}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        internal_ports = {name: free_port() for name in SERVICES}
        internal_urls = {name: f"http://127.0.0.1:{port}" for name, port in internal_ports.items()}
        databases = {}
        for name in SERVICES:
            databases[name] = await stack.enter_async_context(
                temporary_database(database_kind, tmp, name)
            )
            await asyncio.to_thread(upgrade, SERVICES[name].migrations, databases[name])
        system = RunningSystem(kafka, emulator_url, urls, databases, internal_urls)
        try:
            for name, spec in SERVICES.items():
                common = CommonSettings(
                    data_dir=tmp,
                    kafka=KafkaSettings(bootstrap_servers=kafka),
                    platform_emulator_url=emulator_url,
                    connector_url=internal_urls["connector"],
                )
                overrides: dict[str, Any] = {"common": common, "database_url": databases[name]}
                if name == "connector":
                    overrides["public_base_url"] = urls["connector"]
                    overrides["portal_redirect_url"] = "http://portal.test/connected"
                if name == "ingestor":
                    # Tests trigger the daily run themselves; parked syncs come due quickly.
                    overrides["scheduler_enabled"] = False
                    overrides["deferred_poll_seconds"] = 0.5
                    overrides["sync_timeout_seconds"] = HUNG_SYNC_SECONDS
                module = __import__(f"services.{name}.app", fromlist=["create_app"])
                system.apps[name] = module.create_app(spec.settings(**overrides))
            # Concurrently, as separate processes would: each waits for its consumer groups.
            servers.extend(
                await asyncio.gather(*(serve(system.apps[n], ports[n]) for n in SERVICES))
            )
            servers.extend(
                await asyncio.gather(
                    *(serve(internal_app(system.apps[n]), internal_ports[n]) for n in SERVICES)
                )
            )
            yield system
        finally:
            for server, task in reversed(servers):
                server.should_exit = True
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 30)
