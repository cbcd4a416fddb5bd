"""Bearer-token authentication for the HTTP APIs.

* End users come through the client portal's and the admin CRM's backends, which sign JWTs:
  ``role`` is ``client`` (then ``client_id`` says whose data) or ``admin``.
* Services call each other with a separate credential, ``LSA_SERVICE_TOKEN``; a user JWT never
  opens an internal route, and the service credential never opens a user route.

401 means "who are you?" (missing, malformed, expired, wrongly signed); 403 means "not you".
Routes take the principals as ``ClientDep`` / ``AdminDep`` / ``ServiceDep`` from
:mod:`shared.dependencies`, beside the other request dependencies.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared import clock
from shared.settings import AuthSettings


class Role(StrEnum):
    CLIENT = "client"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    client_id: str | None


_bearer = HTTPBearer(auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=reason, headers=_CHALLENGE)


def _key(settings: AuthSettings) -> str:
    if settings.jwt_algorithm.startswith("HS"):
        return settings.jwt_secret.get_secret_value()
    if not settings.jwt_public_key:
        raise RuntimeError(f"LSA_JWT_PUBLIC_KEY is required for {settings.jwt_algorithm}")
    return settings.jwt_public_key


def decode_token(token: str, settings: AuthSettings) -> Principal:
    """Verify signature, expiry, audience (and issuer when configured); map claims."""
    try:
        claims = jwt.decode(
            token,
            _key(settings),
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            # Times are checked against the system's clock below, not PyJWT's wall clock.
            options={
                "require": ["exp", "sub", "role"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as error:
        raise _unauthorized(f"invalid token: {error}") from error
    _check_times(claims, clock.timestamp())
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="unknown role") from error
    client_id = claims.get("client_id")
    if role is Role.CLIENT and not (isinstance(client_id, str) and client_id):
        raise _unauthorized("client tokens must carry a client_id claim")
    return Principal(subject=str(claims["sub"]), role=role, client_id=client_id)


def _check_times(claims: dict[str, Any], now: float) -> None:
    """``exp`` (required), ``nbf`` and ``iat`` against ``now``, as PyJWT would check them."""
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _unauthorized(f"invalid token: the {name} claim must be a number")
    if now >= claims["exp"]:
        raise _unauthorized("token expired")
    if claims.get("nbf") is not None and claims["nbf"] > now:
        raise _unauthorized("invalid token: the token is not yet valid (nbf)")
    if claims.get("iat") is not None and claims["iat"] > now:
        raise _unauthorized("invalid token: the token is not yet valid (iat)")


def issue_token(
    settings: AuthSettings,
    *,
    role: Role,
    client_id: str | None = None,
    subject: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """Sign a token the way the portal/CRM backends do (dev tooling and tests; HS* only)."""
    if not settings.jwt_algorithm.startswith("HS"):
        raise RuntimeError("tokens can only be minted locally with a shared-secret algorithm")
    now = int(clock.timestamp())
    claims: dict[str, Any] = {
        "sub": subject or (f"client:{client_id}" if client_id else "admin"),
        "role": role.value,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if client_id:
        claims["client_id"] = client_id
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), settings.jwt_algorithm)


def _auth_settings(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.auth_settings
    return settings


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("missing bearer token")
    return decode_token(credentials.credentials, _auth_settings(request))


async def require_client(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.role is not Role.CLIENT:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this route is for clients")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this route is for admins")
    return principal


async def require_service(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if credentials is None:
        raise _unauthorized("missing service credential")
    expected = _auth_settings(request).service_token.get_secret_value()
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not a service credential")
