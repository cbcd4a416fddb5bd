"""The connect result page names each platform as the platform spells itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.connector import api
from services.connector.landing import PLATFORM_NAMES
from shared.platforms import Platform

RESULT = "/api/portal/social/connect/result"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The connector's portal routes alone: the result page needs no context or database."""
    app = FastAPI()
    app.include_router(api.portal)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def test_every_platform_has_a_name() -> None:
    assert set(PLATFORM_NAMES) == set(Platform)


@pytest.mark.parametrize(
    ("platform", "heading"),
    [
        ("instagram", "Instagram connected"),
        ("tiktok", "TikTok connected"),
        ("youtube", "YouTube connected"),
        ("x", "X connected"),
        ("linkedin", "LinkedIn connected"),
        ("facebook", "Facebook connected"),
    ],
)
async def test_a_connection_is_announced_with_the_platforms_spelling(
    http: httpx.AsyncClient, platform: str, heading: str
) -> None:
    query = {"status": "connected", "platform": platform, "connection_id": "c-1"}
    response = await http.get(RESULT, params=query)
    assert response.status_code == 200
    assert f"<title>{heading}</title>" in response.text
    assert f"<h1>{heading}</h1>" in response.text


async def test_an_unknown_platform_is_not_echoed(http: httpx.AsyncClient) -> None:
    response = await http.get(RESULT, params={"status": "connected", "platform": "MyBank"})
    assert response.status_code == 200
    assert "<h1>Account connected</h1>" in response.text
    assert "MyBank" not in response.text


async def test_a_failure_shows_the_escaped_message(http: httpx.AsyncClient) -> None:
    query = {"status": "error", "platform": "tiktok", "message": "<b>denied</b>"}
    response = await http.get(RESULT, params=query)
    assert response.status_code == 400
    assert "<h1>Connection failed</h1>" in response.text
    assert "<p>&lt;b&gt;denied&lt;/b&gt;</p>" in response.text


async def test_a_failure_without_a_message_asks_to_try_again(http: httpx.AsyncClient) -> None:
    response = await http.get(RESULT, params={"status": "error", "platform": "x"})
    assert response.status_code == 400
    assert "<p>Please try again.</p>" in response.text


async def test_quotes_and_ampersands_in_the_message_are_escaped(http: httpx.AsyncClient) -> None:
    query = {"status": "error", "message": "\"><script>alert('&')</script>"}
    response = await http.get(RESULT, params=query)
    assert "<script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;alert(&#39;&amp;&#39;)&lt;/script&gt;" in response.text
