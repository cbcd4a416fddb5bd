"""The emulator's FastAPI app: control routes plus every platform's host-prefixed routes.

A platform is a subpackage ``emulator/<name>/`` exposing ``PLATFORM`` (its name), ``HOSTS`` (the
real hosts it serves) and ``build_router(core)``; it is listed once in ``PLATFORM_PACKAGES``.
"""

import importlib
import inspect
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from emulator.control import build_control_router
from emulator.core import EmulatorCore
from emulator.latency import LatencyMiddleware
from emulator.settings import EmulatorSettings

PLATFORM_PACKAGES = ("instagram", "tiktok", "youtube", "x", "linkedin", "facebook")


def _platforms() -> list[ModuleType]:
    modules = []
    for name in PLATFORM_PACKAGES:
        qualified = f"emulator.{name}"
        try:
            modules.append(importlib.import_module(qualified))
        except ModuleNotFoundError as error:
            if error.name != qualified:  # a platform not emulated yet is simply absent
                raise
    return modules


PLATFORMS = _platforms()
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {m.PLATFORM: m.HOSTS for m in PLATFORMS}
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
        # FastAPI's native OpenTelemetry looks up the global providers on every request; the
        # emulator is a test double and exports nothing.
        **_without_telemetry(),
    )
    app.state.core = core
    app.include_router(build_control_router(core, PLATFORM_HOSTS))
    for module in PLATFORMS:
        app.include_router(module.build_router(core))
    hosts = {host: name for name, names in PLATFORM_HOSTS.items() for host in names}
    app.add_middleware(LatencyMiddleware, core=core, hosts=hosts)
    return app


def _without_telemetry() -> dict[str, Any]:
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}  # a FastAPI without native telemetry
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
