"""Fixtures: an emulator pinned to 2026-11-20, reached through httpx's in-process transport."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from emulator import EmulatorSettings, create_app
from tests.support.clock import TODAY


@pytest.fixture
def settings() -> EmulatorSettings:
    """Default settings with a fixed date; tests override by building their own."""
    return EmulatorSettings(today=TODAY)


@pytest.fixture
def app(settings: EmulatorSettings) -> FastAPI:
    """A fresh emulator per test (faults, used codes and clock never leak between tests)."""
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client bound to the emulator app."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as c:
        yield c
