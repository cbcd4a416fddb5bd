"""Stateless HMAC-signed opaque strings, so codes and tokens survive an emulator restart."""

import base64
import hashlib
import hmac
import json
from collections.abc import Hashable
from typing import Any

_MAC_LEN = 16
_MAX_DECODED = 4096


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs small JSON claim sets; ``purpose`` separates domains so a code is never a token."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")
        self.decoded: dict[Hashable, Any] = {}
        """Strings already decoded with this key (see :meth:`remember`): verifying is pure, and
        the same few tokens come back on every call."""

    def remember(self, key: Hashable, value: Any) -> None:
        """Keep a decoding result under ``key`` in :attr:`decoded` (bounded: emptied when full)."""
        if len(self.decoded) >= _MAX_DECODED:
            self.decoded.clear()
        self.decoded[key] = value

    def _mac(self, purpose: str, body: bytes) -> bytes:
        msg = purpose.encode("utf-8") + b"\x00" + body
        return hmac.new(self._key, msg, hashlib.sha256).digest()[:_MAC_LEN]

    def sign(self, purpose: str, prefix: str, claims: dict[str, Any]) -> str:
        """Return ``prefix`` + url-safe base64 of (mac || compact JSON claims)."""
        body = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return prefix + _b64encode(self._mac(purpose, body) + body)

    def verify(self, purpose: str, prefix: str, token: str) -> dict[str, Any] | None:
        """Return the claims if ``token`` was signed by us for ``purpose``, else ``None``."""
        if not token.startswith(prefix):
            return None
        try:
            raw = _b64decode(token[len(prefix) :])
        except (ValueError, TypeError):
            return None
        mac, body = raw[:_MAC_LEN], raw[_MAC_LEN:]
        if len(mac) != _MAC_LEN or not hmac.compare_digest(mac, self._mac(purpose, body)):
            return None
        try:
            claims = json.loads(body)
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None
