"""Stateless Instagram authorization codes and access tokens (HMAC-signed, opaque)."""

import secrets
from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer

TOKEN_PREFIX = "IGAA"  # noqa: S105 - a public prefix, not a secret
CODE_PREFIX = "AQ"
CODE_TTL_S = 600
"""Authorization codes live 10 minutes, like Instagram's."""

TokenKind = Literal["short", "long"]


@dataclass(frozen=True)
class IgToken:
    """What an access token carries."""

    account: str
    kind: TokenKind
    issued_at: float
    expires_at: float
    client_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class IgCode:
    """What an authorization code carries; ``nonce`` makes it single-use."""

    account: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued_at: float
    nonce: str


def mint_token(signer: Signer, token: IgToken) -> str:
    """Encode ``token``; a random nonce makes every issued token a new string."""
    claims = {
        "a": token.account,
        "k": token.kind,
        "iat": token.issued_at,
        "exp": token.expires_at,
        "c": token.client_id,
        "s": list(token.scopes),
        "n": secrets.token_hex(4),
    }
    return signer.sign("instagram-token", TOKEN_PREFIX, claims)


def parse_token(signer: Signer, raw: str) -> IgToken | None:
    """Decode a token we issued, or ``None`` if it is not ours or was tampered with."""
    claims = signer.verify("instagram-token", TOKEN_PREFIX, raw)
    if claims is None:
        return None
    try:
        kind = claims["k"]
        if kind not in ("short", "long"):
            return None
        return IgToken(
            account=str(claims["a"]),
            kind=kind,
            issued_at=float(claims["iat"]),
            expires_at=float(claims["exp"]),
            client_id=str(claims["c"]),
            scopes=tuple(str(s) for s in claims["s"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def mint_code(signer: Signer, code: IgCode) -> str:
    """Encode an authorization code."""
    claims = {
        "a": code.account,
        "c": code.client_id,
        "r": code.redirect_uri,
        "s": list(code.scopes),
        "iat": code.issued_at,
        "n": code.nonce,
    }
    return signer.sign("instagram-code", CODE_PREFIX, claims)


def parse_code(signer: Signer, raw: str) -> IgCode | None:
    """Decode a code we issued, or ``None``."""
    claims = signer.verify("instagram-code", CODE_PREFIX, raw)
    if claims is None:
        return None
    try:
        return IgCode(
            account=str(claims["a"]),
            client_id=str(claims["c"]),
            redirect_uri=str(claims["r"]),
            scopes=tuple(str(s) for s in claims["s"]),
            issued_at=float(claims["iat"]),
            nonce=str(claims["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
