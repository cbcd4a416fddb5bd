"""Stateless Instagram access tokens (HMAC-signed); codes: :class:`emulator.meta.MetaCode`."""

from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer
from emulator.tokens import Claim, ClaimCodec, number, one_of, scope_list

TOKEN_PREFIX = "IGAA"  # noqa: S105 - a public prefix, not a secret

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


_TOKEN: ClaimCodec[IgToken] = ClaimCodec(
    IgToken,
    "instagram-token",
    TOKEN_PREFIX,
    {
        "a": Claim("account"),
        "k": Claim("kind", one_of("short", "long")),
        "iat": Claim("issued_at", number),
        "exp": Claim("expires_at", number),
        "c": Claim("client_id"),
        "s": Claim("scopes", scope_list),
    },
    nonce=True,
)


def mint_token(signer: Signer, token: IgToken) -> str:
    """Encode ``token``; a random nonce makes every issued token a new string."""
    return _TOKEN.mint(signer, token)


def parse_token(signer: Signer, raw: str) -> IgToken | None:
    """Decode a token we issued, or ``None`` if it is not ours or was tampered with."""
    return _TOKEN.parse(signer, raw)
