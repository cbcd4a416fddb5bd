"""Stateless X authorization codes, access tokens and refresh tokens (HMAC-signed, opaque).

Every token carries its ``grant`` (one per consent): a refresh hands out the next generation of
the same grant, so the context can break the whole chain when a refresh token is reused.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from emulator.signing import Signer

CODE_TTL_S = 30
"""X's authorization codes are valid for 30 seconds."""

_ACCESS = "x-access-token"
_REFRESH = "x-refresh-token"
_CODE = "x-code"


@dataclass(frozen=True)
class XCode:
    """What an authorization code carries; ``nonce`` makes it single-use."""

    account: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str
    challenge_method: str
    issued_at: float
    nonce: str


@dataclass(frozen=True)
class XAccessToken:
    account: str
    grant: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float


@dataclass(frozen=True)
class XRefreshToken:
    """``nonce`` identifies this one token: it may be used once."""

    account: str
    grant: str
    generation: int
    client_id: str
    scopes: tuple[str, ...]
    issued_at: float
    nonce: str


def new_grant() -> str:
    """A fresh grant id (one per consent)."""
    return secrets.token_hex(8)


def mint_code(signer: Signer, code: XCode) -> str:
    claims = {
        "a": code.account,
        "c": code.client_id,
        "r": code.redirect_uri,
        "s": list(code.scopes),
        "ch": code.challenge,
        "cm": code.challenge_method,
        "iat": code.issued_at,
        "n": code.nonce,
    }
    return signer.sign(_CODE, "", claims)


def parse_code(signer: Signer, raw: str) -> XCode | None:
    claims = signer.verify(_CODE, "", raw)
    if claims is None:
        return None
    try:
        return XCode(
            account=str(claims["a"]),
            client_id=str(claims["c"]),
            redirect_uri=str(claims["r"]),
            scopes=_scopes(claims),
            challenge=str(claims["ch"]),
            challenge_method=str(claims["cm"]),
            issued_at=float(claims["iat"]),
            nonce=str(claims["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def mint_access_token(signer: Signer, token: XAccessToken) -> str:
    claims = {
        "a": token.account,
        "g": token.grant,
        "c": token.client_id,
        "s": list(token.scopes),
        "iat": token.issued_at,
        "exp": token.expires_at,
        "n": secrets.token_hex(4),
    }
    return signer.sign(_ACCESS, "", claims)


def parse_access_token(signer: Signer, raw: str) -> XAccessToken | None:
    claims = signer.verify(_ACCESS, "", raw)
    if claims is None:
        return None
    try:
        return XAccessToken(
            account=str(claims["a"]),
            grant=str(claims["g"]),
            client_id=str(claims["c"]),
            scopes=_scopes(claims),
            issued_at=float(claims["iat"]),
            expires_at=float(claims["exp"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def mint_refresh_token(signer: Signer, token: XRefreshToken) -> str:
    claims = {
        "a": token.account,
        "g": token.grant,
        "gen": token.generation,
        "c": token.client_id,
        "s": list(token.scopes),
        "iat": token.issued_at,
        "n": token.nonce,
    }
    return signer.sign(_REFRESH, "", claims)


def parse_refresh_token(signer: Signer, raw: str) -> XRefreshToken | None:
    claims = signer.verify(_REFRESH, "", raw)
    if claims is None:
        return None
    try:
        return XRefreshToken(
            account=str(claims["a"]),
            grant=str(claims["g"]),
            generation=int(claims["gen"]),
            client_id=str(claims["c"]),
            scopes=_scopes(claims),
            issued_at=float(claims["iat"]),
            nonce=str(claims["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _scopes(claims: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(s) for s in claims["s"])
