"""Stateless Facebook Login tokens: short/long-lived user tokens and Page tokens (HMAC-signed).

Authorization codes reuse Instagram's signed code (same claims, other app id), see
:mod:`emulator.instagram.tokens`.
"""

import secrets
from dataclasses import dataclass
from typing import Literal

from emulator.signing import Signer

TOKEN_PREFIX = "EAA"  # noqa: S105 - the public prefix of Facebook tokens, not a secret
_PURPOSE = "facebook-token"

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


def mint_token(signer: Signer, token: FbToken) -> str:
    """Encode ``token``; a nonce makes every issued token a new string."""
    claims = {
        "a": token.account,
        "k": token.kind,
        "iat": token.issued_at,
        "exp": token.expires_at,
        "c": token.client_id,
        "s": list(token.scopes),
        "p": token.page_id,
        "n": secrets.token_hex(4),
    }
    return signer.sign(_PURPOSE, TOKEN_PREFIX, claims)


def parse_token(signer: Signer, raw: str) -> FbToken | None:
    """Decode a token we issued, or ``None``."""
    claims = signer.verify(_PURPOSE, TOKEN_PREFIX, raw)
    if claims is None:
        return None
    try:
        kind = claims["k"]
        if kind not in ("short", "long", "page"):
            return None
        expires = claims["exp"]
        page = claims["p"]
        return FbToken(
            account=str(claims["a"]),
            kind=kind,
            issued_at=float(claims["iat"]),
            expires_at=float(expires) if expires is not None else None,
            client_id=str(claims["c"]),
            scopes=tuple(str(s) for s in claims["s"]),
            page_id=str(page) if page is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        return None
