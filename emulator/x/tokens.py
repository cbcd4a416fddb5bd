"""Stateless X authorization codes, access tokens and refresh tokens (HMAC-signed, opaque).

Every token carries its ``grant`` (one per consent): a refresh hands out the next generation of
the same grant, so the context can break the whole chain when a refresh token is reused.
"""

import secrets
from dataclasses import dataclass

from emulator.signing import Signer
from emulator.tokens import CODE_CLAIMS, TOKEN_CLAIMS, Claim, ClaimCodec, number, scope_list

CODE_TTL_S = 30
"""X's authorization codes are valid for 30 seconds."""


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


_CODE: ClaimCodec[XCode] = ClaimCodec(
    XCode,
    "x-code",
    "",
    {**CODE_CLAIMS, "ch": Claim("challenge"), "cm": Claim("challenge_method")},
)
_ACCESS: ClaimCodec[XAccessToken] = ClaimCodec(
    XAccessToken,
    "x-access-token",
    "",
    {**TOKEN_CLAIMS, "g": Claim("grant")},
    nonce=True,
)
_REFRESH: ClaimCodec[XRefreshToken] = ClaimCodec(
    XRefreshToken,
    "x-refresh-token",
    "",
    {
        "a": Claim("account"),
        "g": Claim("grant"),
        "gen": Claim("generation", int),
        "c": Claim("client_id"),
        "s": Claim("scopes", scope_list),
        "iat": Claim("issued_at", number),
        "n": Claim("nonce"),
    },
)


def mint_code(signer: Signer, code: XCode) -> str:
    """Encode an authorization code."""
    return _CODE.mint(signer, code)


def parse_code(signer: Signer, raw: str) -> XCode | None:
    """Decode a code we issued, or ``None``."""
    return _CODE.parse(signer, raw)


def mint_access_token(signer: Signer, token: XAccessToken) -> str:
    """Encode an access token; a random nonce makes every one a new string."""
    return _ACCESS.mint(signer, token)


def parse_access_token(signer: Signer, raw: str) -> XAccessToken | None:
    """Decode an access token we issued, or ``None``."""
    return _ACCESS.parse(signer, raw)


def mint_refresh_token(signer: Signer, token: XRefreshToken) -> str:
    """Encode a refresh token."""
    return _REFRESH.mint(signer, token)


def parse_refresh_token(signer: Signer, raw: str) -> XRefreshToken | None:
    """Decode a refresh token we issued, or ``None``."""
    return _REFRESH.parse(signer, raw)
