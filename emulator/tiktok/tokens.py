"""Stateless TikTok authorization codes, access tokens and refresh tokens (HMAC-signed, opaque).

Prefixes follow TikTok's (``act.`` access, ``rft.`` refresh). A refresh token keeps the expiry of
the grant it descends from: rotation does not extend it, so ``refresh_expires_in`` shrinks.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from emulator.signing import Signer

ACCESS_PREFIX = "act."
REFRESH_PREFIX = "rft."
CODE_PREFIX = "cd."
CODE_SUFFIX = "*0!6410"
"""TikTok codes end like ``…*0!6410``: characters that must survive URL encoding."""
CODE_TTL_S = 600


@dataclass(frozen=True)
class TtCode:
    """What an authorization code carries; ``nonce`` makes it single-use."""

    account: str
    client_key: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    issued_at: float
    nonce: str


@dataclass(frozen=True)
class TtToken:
    """An access or refresh token; ``nonce`` identifies one refresh token for rotation."""

    account: str
    client_key: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float
    nonce: str


def _token_claims(token: TtToken) -> dict[str, Any]:
    return {
        "a": token.account,
        "c": token.client_key,
        "s": list(token.scopes),
        "iat": token.issued_at,
        "exp": token.expires_at,
        "n": token.nonce,
    }


def _token_from(claims: dict[str, Any] | None) -> TtToken | None:
    if claims is None:
        return None
    try:
        return TtToken(
            account=str(claims["a"]),
            client_key=str(claims["c"]),
            scopes=tuple(str(s) for s in claims["s"]),
            issued_at=float(claims["iat"]),
            expires_at=float(claims["exp"]),
            nonce=str(claims["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def new_nonce() -> str:
    """A random id: every issued string is new, even within the same clock tick."""
    return secrets.token_hex(8)


def mint_access(signer: Signer, token: TtToken) -> str:
    return signer.sign("tiktok-access", ACCESS_PREFIX, _token_claims(token))


def parse_access(signer: Signer, raw: str) -> TtToken | None:
    return _token_from(signer.verify("tiktok-access", ACCESS_PREFIX, raw))


def mint_refresh(signer: Signer, token: TtToken) -> str:
    return signer.sign("tiktok-refresh", REFRESH_PREFIX, _token_claims(token))


def parse_refresh(signer: Signer, raw: str) -> TtToken | None:
    return _token_from(signer.verify("tiktok-refresh", REFRESH_PREFIX, raw))


def mint_code(signer: Signer, code: TtCode) -> str:
    claims = {
        "a": code.account,
        "c": code.client_key,
        "r": code.redirect_uri,
        "s": list(code.scopes),
        "p": code.code_challenge,
        "iat": code.issued_at,
        "n": code.nonce,
    }
    return signer.sign("tiktok-code", CODE_PREFIX, claims) + CODE_SUFFIX


def parse_code(signer: Signer, raw: str) -> TtCode | None:
    claims = signer.verify("tiktok-code", CODE_PREFIX, raw.removesuffix(CODE_SUFFIX))
    if claims is None:
        return None
    try:
        challenge = claims["p"]
        return TtCode(
            account=str(claims["a"]),
            client_key=str(claims["c"]),
            redirect_uri=str(claims["r"]),
            scopes=tuple(str(s) for s in claims["s"]),
            code_challenge=str(challenge) if challenge is not None else None,
            issued_at=float(claims["iat"]),
            nonce=str(claims["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
