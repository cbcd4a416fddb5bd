"""Stateless LinkedIn authorization codes, access and refresh tokens (HMAC-signed, opaque).

Every token carries the id of the authorization (``grant``) it came from, so revoking one token
at ``/oauth/v2/revoke`` kills the whole grant, as a member removing the app does.
"""

from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer

ACCESS_PREFIX = "AQV"
REFRESH_PREFIX = "AQX"
CODE_PREFIX = "AQT"
CODE_TTL_S = 1800
"""LinkedIn authorization codes live 30 minutes."""

TokenKind = Literal["access", "refresh"]
_PREFIXES: dict[TokenKind, str] = {"access": ACCESS_PREFIX, "refresh": REFRESH_PREFIX}


@dataclass(frozen=True)
class LiToken:
    """What an access or refresh token carries."""

    kind: TokenKind
    account: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float
    grant: str


@dataclass(frozen=True)
class LiCode:
    """What an authorization code carries; ``nonce`` makes it single-use."""

    account: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued_at: float
    nonce: str


def mint_token(signer: Signer, token: LiToken) -> str:
    """Encode ``token`` (the issue time keeps every access token a new string)."""
    claims = {
        "a": token.account,
        "c": token.client_id,
        "s": list(token.scopes),
        "iat": token.issued_at,
        "exp": token.expires_at,
        "g": token.grant,
    }
    return signer.sign(f"linkedin-{token.kind}", _PREFIXES[token.kind], claims)


def parse_token(signer: Signer, kind: TokenKind, raw: str) -> LiToken | None:
    """Decode a token of ``kind`` we issued, or ``None``."""
    claims = signer.verify(f"linkedin-{kind}", _PREFIXES[kind], raw)
    if claims is None:
        return None
    try:
        return LiToken(
            kind=kind,
            account=str(claims["a"]),
            client_id=str(claims["c"]),
            scopes=tuple(str(s) for s in claims["s"]),
            issued_at=float(claims["iat"]),
            expires_at=float(claims["exp"]),
            grant=str(claims["g"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def mint_code(signer: Signer, code: LiCode) -> str:
    """Encode an authorization code."""
    claims = {
        "a": code.account,
        "c": code.client_id,
        "r": code.redirect_uri,
        "s": list(code.scopes),
        "iat": code.issued_at,
        "n": code.nonce,
    }
    return signer.sign("linkedin-code", CODE_PREFIX, claims)


def parse_code(signer: Signer, raw: str) -> LiCode | None:
    """Decode a code we issued, or ``None``."""
    claims = signer.verify("linkedin-code", CODE_PREFIX, raw)
    if claims is None:
        return None
    try:
        return LiCode(
            account=str(claims["a"]),
            client_id=str(claims["c"]),
            redirect_uri=str(claims["r"]),
            scopes=tuple(str(s) for s in claims["s"]),
            issued_at=float(claims["iat"]),
            nonce=str(claims["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
