"""Helpers shared by the unit tests of ``shared/`` and ``services/``.

The Instagram helpers drive the emulator in-process (httpx's ASGI transport), the way a browser
and the connector would: no network, no broker, no database server.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from emulator.app import create_app
from emulator.settings import EmulatorSettings
from shared.platforms.instagram import InstagramClient
from shared.platforms.instagram import Settings as InstagramSettings
from tests.support.clock import TODAY

EMULATOR_URL = "http://emulator"
REDIRECT_URI = "https://app.example.test/api/portal/social/callback/instagram"


def clear_lsa_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every ``LSA_*`` variable so settings see only what a test sets."""
    for name in list(os.environ):
        if name.startswith("LSA_"):
            monkeypatch.delenv(name)


@dataclass
class Emulated:
    app: FastAPI
    http: httpx.AsyncClient
    instagram: InstagramClient


#: Two pages, insights for the first ten posts: tests see posts with and without insights (the
#: defaults read one page, every post with its insights).
PAGED: dict[str, Any] = {"max_pages": 2, "insights_media_limit": 10}


@asynccontextmanager
async def emulated_instagram(
    settings: EmulatorSettings | None = None,
    instagram: InstagramSettings | None = None,
) -> AsyncIterator[Emulated]:
    """A fresh emulator and an InstagramClient (:data:`PAGED` unless told) reaching it."""
    app = create_app(settings or EmulatorSettings(today=TODAY))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_URL) as http:
        settings_ = instagram or InstagramSettings(**PAGED)
        client = InstagramClient(settings_, http, emulator_url=EMULATOR_URL)
        yield Emulated(app=app, http=http, instagram=client)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def consent(
    http: httpx.AsyncClient,
    authorization_url: str,
    *,
    account: str = "steady_creator",
    decision: str = "approve",
) -> dict[str, str]:
    """Submit the consent form for ``authorization_url``; the redirect target's query."""
    form = query_of(authorization_url)
    form.update(account=account, decision=decision)
    response = await http.post(urlsplit(authorization_url).path, data=form)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])


async def add_fault(http: httpx.AsyncClient, **spec: object) -> None:
    response = await http.post("/_emulator/faults", json={"platform": "instagram", **spec})
    assert response.status_code == 200, response.text
