"""OAuth helpers shared by the emulator tests: they drive the flow as a real client would."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from emulator import EmulatorSettings, create_app

REDIRECT_URI = "https://app.example.test/oauth/instagram/callback"
CLIENT_ID = "lsa-dev-instagram-app"
CLIENT_SECRET = "lsa-dev-instagram-secret"
SCOPES = "instagram_business_basic,instagram_business_manage_insights"
GRAPH = "/graph.instagram.com/v21.0"


@asynccontextmanager
async def emulator(settings: EmulatorSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An emulator with custom settings and its client."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        yield app, client


async def approve(
    client: httpx.AsyncClient,
    account: str = "steady_creator",
    scope: str = SCOPES,
    state: str = "st-123",
) -> httpx.Response:
    """Submit the consent form with Approve, as a browser would after a click."""
    form = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": scope,
        "state": state,
        "account": account,
        "decision": "approve",
    }
    return await client.post("/www.instagram.com/oauth/authorize", data=form)


def query_of(location: str) -> dict[str, str]:
    """Single-valued query parameters of a redirect target."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def get_code(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> str:
    """An authorization code for ``account``."""
    response = await approve(client, account, scope)
    assert response.status_code == 302
    return query_of(response.headers["location"])["code"]


async def exchange_code(
    client: httpx.AsyncClient, code: str, redirect_uri: str = REDIRECT_URI
) -> httpx.Response:
    """POST the code to the token endpoint."""
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code": code,
    }
    return await client.post("/api.instagram.com/oauth/access_token", data=form)


async def short_token(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> str:
    """A short-lived token for ``account``."""
    response = await exchange_code(client, await get_code(client, account, scope))
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert isinstance(token, str)
    return token


async def long_token(
    client: httpx.AsyncClient, account: str = "steady_creator", scope: str = SCOPES
) -> str:
    """A long-lived token for ``account`` (code → short → long)."""
    short = await short_token(client, account, scope)
    response = await client.get(
        "/graph.instagram.com/access_token",
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": CLIENT_SECRET,
            "access_token": short,
        },
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert isinstance(token, str)
    return token


def meta_error(response: httpx.Response) -> dict[str, object]:
    """The ``error`` object of a Meta error body (asserting the envelope)."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict)
    assert error["type"] in {"OAuthException", "IGApiException", "GraphMethodException"}
    assert isinstance(error["fbtrace_id"], str)
    return error
