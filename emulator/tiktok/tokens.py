"""Stateless TikTok authorization codes, access tokens and refresh tokens (HMAC-signed, opaque).

Prefixes follow TikTok's (``act.`` access, ``rft.`` refresh). A refresh token keeps the expiry of
the grant it descends from: rotation does not extend it, so ``refresh_expires_in`` shrinks.
"""

import secrets
from dataclasses import dataclass

from emulator.signing import Signer
from emulator.tokens import Claim, ClaimCodec, number, scope_list

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


_TOKEN_CLAIMS = {
    "a": Claim("account"),
    "c": Claim("client_key"),
    "s": Claim("scopes", scope_list),
    "iat": Claim("issued_at", number),
    "exp": Claim("expires_at", number),
    "n": Claim("nonce"),
}
_ACCESS: ClaimCodec[TtToken] = ClaimCodec(TtToken, "tiktok-access", ACCESS_PREFIX, _TOKEN_CLAIMS)
_REFRESH: ClaimCodec[TtToken] = ClaimCodec(TtToken, "tiktok-refresh", REFRESH_PREFIX, _TOKEN_CLAIMS)
_CODE: ClaimCodec[TtCode] = ClaimCodec(
    TtCode,
    "tiktok-code",
    CODE_PREFIX,
    {
        "a": Claim("account"),
        "c": Claim("client_key"),
        "r": Claim("redirect_uri"),
        "s": Claim("scopes", scope_list),
        "p": Claim("code_challenge", nullable=True),
        "iat": Claim("issued_at", number),
        "n": Claim("nonce"),
    },
    suffix=CODE_SUFFIX,
)


def new_nonce() -> str:
    """A random id: every issued string is new, even within the same clock tick."""
    return secrets.token_hex(8)


def mint_access(signer: Signer, token: TtToken) -> str:
    """Encode an access token."""
    return _ACCESS.mint(signer, token)


def parse_access(signer: Signer, raw: str) -> TtToken | None:
    """Decode an access token we issued, or ``None``."""
    return _ACCESS.parse(signer, raw)


def mint_refresh(signer: Signer, token: TtToken) -> str:
    """Encode a refresh token."""
    return _REFRESH.mint(signer, token)


def parse_refresh(signer: Signer, raw: str) -> TtToken | None:
    """Decode a refresh token we issued, or ``None``."""
    return _REFRESH.parse(signer, raw)


def mint_code(signer: Signer, code: TtCode) -> str:
    """Encode an authorization code (with TikTok's suffix)."""
    return _CODE.mint(signer, code)


def parse_code(signer: Signer, raw: str) -> TtCode | None:
    """Decode a code we issued, or ``None``."""
    return _CODE.parse(signer, raw)
