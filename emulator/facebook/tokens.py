"""Stateless Facebook Login tokens: short/long-lived user tokens and Page tokens (HMAC-signed).

Authorization codes are the Meta code both dialogs share (:class:`emulator.meta.MetaCode`).
"""

from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer
from emulator.tokens import Claim, ClaimCodec, number, one_of, scope_list

TOKEN_PREFIX = "EAA"  # noqa: S105 - the public prefix of Facebook tokens, not a secret

TokenKind = Literal["short", "long", "page"]


@dataclass(frozen=True)
class FbToken:
    """What a token carries; ``expires_at`` is None for a Page token from a long-lived token."""

    account: str
    kind: TokenKind
    issued_at: float
    expires_at: float | None
    client_id: str
    scopes: tuple[str, ...]
    page_id: str | None = None

    @property
    def is_user(self) -> bool:
        """A user token (short or long-lived), as opposed to a Page token."""
        return self.kind != "page"


_TOKEN: ClaimCodec[FbToken] = ClaimCodec(
    FbToken,
    "facebook-token",
    TOKEN_PREFIX,
    {
        "a": Claim("account"),
        "k": Claim("kind", one_of("short", "long", "page")),
        "iat": Claim("issued_at", number),
        "exp": Claim("expires_at", number, nullable=True),
        "c": Claim("client_id"),
        "s": Claim("scopes", scope_list),
        "p": Claim("page_id", nullable=True),
    },
    nonce=True,
)


def mint_token(signer: Signer, token: FbToken) -> str:
    """Encode ``token``; a nonce makes every issued token a new string."""
    return _TOKEN.mint(signer, token)


def parse_token(signer: Signer, raw: str) -> FbToken | None:
    """Decode a token we issued, or ``None``."""
    return _TOKEN.parse(signer, raw)
