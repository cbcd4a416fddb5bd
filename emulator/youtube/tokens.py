"""Stateless Google authorization codes, access tokens and refresh tokens (HMAC-signed)."""

import secrets
from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer

ACCESS_PREFIX = "ya29."
REFRESH_PREFIX = "1//"
CODE_PREFIX = "4/0A"
CODE_TTL_S = 600
"""Authorization codes live 10 minutes."""

TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True)
class GoogleToken:
    """What an access or refresh token carries (refresh tokens have no ``expires_at``)."""

    kind: TokenKind
    account: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float | None = None


@dataclass(frozen=True)
class GoogleCode:
    """What an authorization code carries; ``nonce`` makes it single-use."""

    account: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued_at: float
    nonce: str
    offline: bool
    refresh: bool
    """Whether the exchange answer carries a refresh token (offline + first or forced consent)."""
    challenge: str | None = None
    challenge_method: str | None = None


def _prefix(kind: TokenKind) -> str:
    return ACCESS_PREFIX if kind == "access" else REFRESH_PREFIX


def mint_token(signer: Signer, token: GoogleToken) -> str:
    """Encode ``token``; a random nonce makes every issued token a new string."""
    claims = {
        "a": token.account,
        "c": token.client_id,
        "s": list(token.scopes),
        "iat": token.issued_at,
        "exp": token.expires_at,
        "n": secrets.token_hex(4),
    }
    return signer.sign(f"youtube-{token.kind}", _prefix(token.kind), claims)


def parse_token(signer: Signer, raw: str, kind: TokenKind) -> GoogleToken | None:
    """Decode a token of ``kind`` we issued, or ``None``."""
    claims = signer.verify(f"youtube-{kind}", _prefix(kind), raw)
    if claims is None:
        return None
    try:
        expires = claims.get("exp")
        return GoogleToken(
            kind=kind,
            account=str(claims["a"]),
            client_id=str(claims["c"]),
            scopes=tuple(str(s) for s in claims["s"]),
            issued_at=float(claims["iat"]),
            expires_at=float(expires) if expires is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        return None


def mint_code(signer: Signer, code: GoogleCode) -> str:
    """Encode an authorization code."""
    claims = {
        "a": code.account,
        "c": code.client_id,
        "r": code.redirect_uri,
        "s": list(code.scopes),
        "iat": code.issued_at,
        "n": code.nonce,
        "o": code.offline,
        "rt": code.refresh,
        "cc": code.challenge,
        "ccm": code.challenge_method,
    }
    return signer.sign("youtube-code", CODE_PREFIX, claims)


def parse_code(signer: Signer, raw: str) -> GoogleCode | None:
    """Decode a code we issued, or ``None``."""
    claims = signer.verify("youtube-code", CODE_PREFIX, raw)
    if claims is None:
        return None
    try:
        return GoogleCode(
            account=str(claims["a"]),
            client_id=str(claims["c"]),
            redirect_uri=str(claims["r"]),
            scopes=tuple(str(s) for s in claims["s"]),
            issued_at=float(claims["iat"]),
            nonce=str(claims["n"]),
            offline=bool(claims["o"]),
            refresh=bool(claims["rt"]),
            challenge=claims.get("cc"),
            challenge_method=claims.get("ccm"),
        )
    except (KeyError, TypeError, ValueError):
        return None
