"""Stateless Google authorization codes, access tokens and refresh tokens (HMAC-signed)."""

from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer
from emulator.tokens import CODE_CLAIMS, TOKEN_CLAIMS, Claim, ClaimCodec, number, raw

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


_TOKEN_CLAIMS = {**TOKEN_CLAIMS, "exp": Claim("expires_at", number, required=False)}
_PREFIXES: dict[TokenKind, str] = {"access": ACCESS_PREFIX, "refresh": REFRESH_PREFIX}
_TOKENS: dict[TokenKind, ClaimCodec[GoogleToken]] = {
    kind: ClaimCodec(
        GoogleToken, f"youtube-{kind}", prefix, _TOKEN_CLAIMS, fixed={"kind": kind}, nonce=True
    )
    for kind, prefix in _PREFIXES.items()
}
_CODE: ClaimCodec[GoogleCode] = ClaimCodec(
    GoogleCode,
    "youtube-code",
    CODE_PREFIX,
    {
        **CODE_CLAIMS,
        "o": Claim("offline", bool),
        "rt": Claim("refresh", bool),
        "cc": Claim("challenge", raw, required=False),
        "ccm": Claim("challenge_method", raw, required=False),
    },
)


def mint_token(signer: Signer, token: GoogleToken) -> str:
    """Encode ``token``; a random nonce makes every issued token a new string."""
    return _TOKENS[token.kind].mint(signer, token)


def parse_token(signer: Signer, raw_token: str, kind: TokenKind) -> GoogleToken | None:
    """Decode a token of ``kind`` we issued, or ``None``."""
    return _TOKENS[kind].parse(signer, raw_token)


def mint_code(signer: Signer, code: GoogleCode) -> str:
    """Encode an authorization code."""
    return _CODE.mint(signer, code)


def parse_code(signer: Signer, raw_code: str) -> GoogleCode | None:
    """Decode a code we issued, or ``None``."""
    return _CODE.parse(signer, raw_code)
