"""Which platforms are offered: all six by default, minus the disabled, never a placeholder
secret outside dev."""

from __future__ import annotations

import httpx
import pytest

from shared.platforms import Platform
from shared.platforms.instagram_facebook import InstagramFacebookClient
from shared.platforms.registry import UnknownPlatform, build_clients, parse_platform
from tests.unit.support import clear_lsa_env


async def test_all_six_platforms_are_offered_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)
    async with httpx.AsyncClient() as http:
        clients = build_clients(http, emulator_url="http://emulator")
    assert set(clients) == set(Platform)
    for platform, client in clients.items():
        assert client.platform is platform
        assert isinstance(client.supports_pkce, bool)


async def test_a_disabled_platform_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)
    monkeypatch.setenv("LSA_TIKTOK_ENABLED", "false")
    async with httpx.AsyncClient() as http:
        clients = build_clients(http, emulator_url=None)
    assert Platform.TIKTOK not in clients
    with pytest.raises(UnknownPlatform):
        parse_platform("tiktok", clients)
    with pytest.raises(UnknownPlatform):
        parse_platform("myspace", clients)
    assert parse_platform("YouTube", clients) is Platform.YOUTUBE


async def test_demo_secrets_are_refused_when_credentials_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_lsa_env(monkeypatch)
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="client_secret"):
            build_clients(http, emulator_url=None, require_credentials=True)
        for platform in Platform:
            monkeypatch.setenv(f"LSA_{platform.name}_CLIENT_SECRET", f"real-{platform.value}")
        assert set(build_clients(http, emulator_url=None, require_credentials=True)) == set(
            Platform
        )


async def test_instagram_can_use_facebook_login(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)
    monkeypatch.setenv("LSA_INSTAGRAM_LOGIN", "facebook")
    async with httpx.AsyncClient() as http:
        client = build_clients(http, emulator_url="http://emulator")[Platform.INSTAGRAM]
    assert type(client) is InstagramFacebookClient
    assert "facebook.com" in client.authorization_url(state="s", redirect_uri="https://r.test/cb")
