"""The emulator's FastAPI app: control routes plus every platform's host-prefixed routes."""

from fastapi import FastAPI

from emulator import instagram
from emulator.control import build_control_router
from emulator.core import EmulatorCore
from emulator.latency import LatencyMiddleware
from emulator.settings import EmulatorSettings

PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {instagram.PLATFORM: instagram.HOSTS}
"""Which real hosts belong to which platform (used for latency and fault targeting)."""


def create_app(settings: EmulatorSettings | None = None) -> FastAPI:
    """Build an independent emulator (own faults, used codes and usage counters).

    The runtime state is reachable as ``app.state.core`` so tests can move its clock.
    """
    core = EmulatorCore(settings or EmulatorSettings())
    app = FastAPI(
        title="Live Social Analytics platform emulator",
        docs_url="/_emulator/docs",
        redoc_url=None,
        openapi_url="/_emulator/openapi.json",
    )
    app.state.core = core
    app.include_router(build_control_router(core, PLATFORM_HOSTS))
    app.include_router(instagram.build_router(core))
    hosts = {host: name for name, names in PLATFORM_HOSTS.items() for host in names}
    app.add_middleware(LatencyMiddleware, core=core, hosts=hosts)
    return app
