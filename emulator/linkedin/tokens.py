"""Stateless LinkedIn authorization codes, access and refresh tokens (HMAC-signed, opaque).

Every token carries the id of the authorization (``grant``) it came from, so revoking one token
at ``/oauth/v2/revoke`` kills the whole grant, as a member removing the app does.
"""

from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer
from emulator.tokens import CODE_CLAIMS, TOKEN_CLAIMS, Claim, ClaimCodec

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


_TOKENS: dict[TokenKind, ClaimCodec[LiToken]] = {
    kind: ClaimCodec(
        LiToken,
        f"linkedin-{kind}",
        prefix,
        {**TOKEN_CLAIMS, "g": Claim("grant")},
        fixed={"kind": kind},
    )
    for kind, prefix in _PREFIXES.items()
}
_CODE: ClaimCodec[LiCode] = ClaimCodec(LiCode, "linkedin-code", CODE_PREFIX, CODE_CLAIMS)


def mint_token(signer: Signer, token: LiToken) -> str:
    """Encode ``token`` (the issue time keeps every access token a new string)."""
    return _TOKENS[token.kind].mint(signer, token)


def parse_token(signer: Signer, kind: TokenKind, raw: str) -> LiToken | None:
    """Decode a token of ``kind`` we issued, or ``None``."""
    return _TOKENS[kind].parse(signer, raw)


def mint_code(signer: Signer, code: LiCode) -> str:
    """Encode an authorization code."""
    return _CODE.mint(signer, code)


def parse_code(signer: Signer, raw: str) -> LiCode | None:
    """Decode a code we issued, or ``None``."""
    return _CODE.parse(signer, raw)
