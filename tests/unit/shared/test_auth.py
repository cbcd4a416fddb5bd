"""Bearer authentication through a tiny FastAPI app: 401 = who are you, 403 = not you."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI, HTTPException
from pydantic import SecretStr

from shared import clock
from shared.auth import Role, decode_token, issue_token
from shared.dependencies import AdminDep, ClientDep, ServiceDep
from shared.settings import AuthSettings
from tests.support.clock import frozen_at

SECRET = "unit-test-jwt-secret-0123456789abcdef"
SERVICE_TOKEN = "unit-test-service-token-abcdef"
AUDIENCE = "live-social-analytics"


@pytest.fixture
def auth_settings() -> AuthSettings:
    return AuthSettings(
        jwt_secret=SecretStr(SECRET),
        service_token=SecretStr(SERVICE_TOKEN),
        jwt_audience=AUDIENCE,
    )


@pytest.fixture
async def client(auth_settings: AuthSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.auth_settings = auth_settings

    @app.get("/client")
    async def client_route(principal: ClientDep) -> dict[str, Any]:
        return {"sub": principal.subject, "role": principal.role, "client_id": principal.client_id}

    @app.get("/admin")
    async def admin_route(principal: AdminDep) -> dict[str, Any]:
        return {"sub": principal.subject, "role": principal.role}

    @app.get("/internal")
    async def internal_route(_: ServiceDep) -> dict[str, bool]:
        return {"ok": True}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def _token(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    now = int(clock.timestamp())
    base: dict[str, Any] = {"aud": AUDIENCE, "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, secret, algorithm=algorithm)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CLIENT_CLAIMS = {"sub": "user-1", "role": "client", "client_id": "c-42"}
ADMIN_CLAIMS = {"sub": "coach-1", "role": "admin"}


async def test_valid_client_token_opens_client_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/client", headers=_bearer(_token(CLIENT_CLAIMS)))
    assert response.status_code == 200
    assert response.json() == {"sub": "user-1", "role": "client", "client_id": "c-42"}


async def test_valid_admin_token_opens_admin_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin", headers=_bearer(_token(ADMIN_CLAIMS)))
    assert response.status_code == 200
    assert response.json()["role"] == "admin"


@pytest.mark.parametrize("path", ["/client", "/admin"])
async def test_missing_token_is_401_with_challenge(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_non_bearer_scheme_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/client", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert response.status_code == 401


async def test_garbage_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/client", headers=_bearer("not.a.jwt"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_401(client: httpx.AsyncClient) -> None:
    past = int(clock.timestamp()) - 3600
    token = _token({**CLIENT_CLAIMS, "iat": past - 600, "exp": past})
    response = await client.get("/client", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json()["detail"] == "token expired"


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"exp": 1_000}, "token expired"),  # expired by the system's clock, not PyJWT's
        ({"nbf": 4_000}, "invalid token: the token is not yet valid (nbf)"),
        ({"iat": 4_000}, "invalid token: the token is not yet valid (iat)"),
        ({"exp": "soon"}, "invalid token: the exp claim must be a number"),
    ],
)
async def test_token_times_are_checked_against_the_system_clock(
    client: httpx.AsyncClient, claims: dict[str, object], detail: str
) -> None:
    """At 3,000 s on the system's clock, whatever the machine's own clock says."""
    token = _token({**CLIENT_CLAIMS, "iat": 0, "exp": 3_600, **claims})
    with frozen_at(datetime.fromtimestamp(3_000, UTC)):
        response = await client.get("/client", headers=_bearer(token))
        valid = await client.get(
            "/client", headers=_bearer(_token({**CLIENT_CLAIMS, "iat": 0, "exp": 3_600}))
        )
    assert (response.status_code, response.json()["detail"]) == (401, detail)
    assert valid.status_code == 200


async def test_wrong_audience_is_401(client: httpx.AsyncClient) -> None:
    token = _token({**CLIENT_CLAIMS, "aud": "some-other-product"})
    response = await client.get("/client", headers=_bearer(token))
    assert response.status_code == 401


async def test_missing_audience_is_401(client: httpx.AsyncClient) -> None:
    now = int(clock.timestamp())
    token = jwt.encode({**CLIENT_CLAIMS, "exp": now + 600}, SECRET, algorithm="HS256")
    response = await client.get("/client", headers=_bearer(token))
    assert response.status_code == 401


async def test_wrong_signature_is_401(client: httpx.AsyncClient) -> None:
    token = _token(CLIENT_CLAIMS, secret="another-secret-that-is-long-enough-000")
    response = await client.get("/client", headers=_bearer(token))
    assert response.status_code == 401


async def test_unsigned_alg_none_token_is_401(client: httpx.AsyncClient) -> None:
    token = jwt.encode(
        {**CLIENT_CLAIMS, "aud": AUDIENCE, "exp": int(clock.timestamp()) + 600},
        key="",
        algorithm="none",
    )
    response = await client.get("/client", headers=_bearer(token))
    assert response.status_code == 401


@pytest.mark.parametrize("missing", ["exp", "sub", "role"])
async def test_required_claims_are_enforced(client: httpx.AsyncClient, missing: str) -> None:
    now = int(clock.timestamp())
    claims = {**CLIENT_CLAIMS, "aud": AUDIENCE, "exp": now + 600}
    del claims[missing]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    response = await client.get("/client", headers=_bearer(token))
    assert response.status_code == 401


async def test_client_token_on_admin_route_is_403(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin", headers=_bearer(_token(CLIENT_CLAIMS)))
    assert response.status_code == 403


async def test_admin_token_on_client_route_is_403(client: httpx.AsyncClient) -> None:
    response = await client.get("/client", headers=_bearer(_token(ADMIN_CLAIMS)))
    assert response.status_code == 403


@pytest.mark.parametrize("client_id", [None, "", 42])
async def test_client_token_without_client_id_is_401(
    client: httpx.AsyncClient, client_id: object
) -> None:
    claims: dict[str, Any] = {"sub": "user-1", "role": "client"}
    if client_id is not None:
        claims["client_id"] = client_id
    response = await client.get("/client", headers=_bearer(_token(claims)))
    assert response.status_code == 401


async def test_service_route_accepts_the_service_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal", headers=_bearer(SERVICE_TOKEN))
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("claims", [CLIENT_CLAIMS, ADMIN_CLAIMS], ids=["client", "admin"])
async def test_service_route_refuses_user_jwts(
    client: httpx.AsyncClient, claims: dict[str, Any]
) -> None:
    response = await client.get("/internal", headers=_bearer(_token(claims)))
    assert response.status_code == 403


async def test_service_route_without_credential_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_service_token_does_not_open_user_routes(client: httpx.AsyncClient) -> None:
    for path in ("/client", "/admin"):
        response = await client.get(path, headers=_bearer(SERVICE_TOKEN))
        assert response.status_code == 401, path


async def test_issued_tokens_open_the_matching_routes(
    client: httpx.AsyncClient, auth_settings: AuthSettings
) -> None:
    client_token = issue_token(auth_settings, role=Role.CLIENT, client_id="c-7")
    admin_token = issue_token(auth_settings, role=Role.ADMIN)
    assert (await client.get("/client", headers=_bearer(client_token))).json()["client_id"] == "c-7"
    assert (await client.get("/admin", headers=_bearer(admin_token))).status_code == 200


def test_issue_token_round_trip(auth_settings: AuthSettings) -> None:
    token = issue_token(auth_settings, role=Role.CLIENT, client_id="c-9", ttl_seconds=120)
    principal = decode_token(token, auth_settings)
    assert principal.role is Role.CLIENT
    assert principal.client_id == "c-9"
    assert principal.subject == "client:c-9"
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience=AUDIENCE, options={"verify_exp": False}
    )
    assert 0 < claims["exp"] - claims["iat"] <= 120

    admin = decode_token(
        issue_token(auth_settings, role=Role.ADMIN, subject="coach"), auth_settings
    )
    assert (admin.role, admin.subject, admin.client_id) == (Role.ADMIN, "coach", None)


def test_issuer_is_checked_when_configured(auth_settings: AuthSettings) -> None:
    portal = auth_settings.model_copy(update={"jwt_issuer": "portal"})
    crm = auth_settings.model_copy(update={"jwt_issuer": "crm"})
    token = issue_token(portal, role=Role.ADMIN)
    assert decode_token(token, portal).role is Role.ADMIN
    with pytest.raises(HTTPException) as raised:
        decode_token(token, crm)
    assert raised.value.status_code == 401


def test_issue_token_refuses_asymmetric_algorithms(auth_settings: AuthSettings) -> None:
    rs256 = auth_settings.model_copy(update={"jwt_algorithm": "RS256"})
    with pytest.raises(RuntimeError, match="shared-secret"):
        issue_token(rs256, role=Role.ADMIN)
