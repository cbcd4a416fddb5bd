"""Token custody: AES-256-GCM with key ids and associated data.

Ciphertext format: ``v1.<key id>.<base64url(nonce ‖ ciphertext+tag)>``. The key id lets several
keys be live at once (new writes use the primary; old ciphertexts still decrypt until
re-encrypted). The associated data binds a ciphertext to its connection and field, so a token
copied into another row does not decrypt.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1"
_NONCE_BYTES = 12


class TokenCryptoError(Exception):
    pass


def parse_keys(spec: str) -> dict[str, bytes]:
    """``kid:base64,kid:base64`` → {kid: 32-byte key}; refuses anything but AES-256 keys."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, sep, encoded = part.partition(":")
        if not sep or not kid or "." in kid:
            raise TokenCryptoError("token keys look like 'kid:base64key' (kid without dots)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as error:
            raise TokenCryptoError(f"key {kid!r} is not valid base64") from error
        if len(key) != 32:
            raise TokenCryptoError(f"key {kid!r} must be 32 bytes (AES-256), got {len(key)}")
        keys[kid] = key
    if not keys:
        raise TokenCryptoError("no token encryption key configured")
    return keys


@dataclass(frozen=True)
class TokenCipher:
    keys: dict[str, bytes]
    primary: str

    @classmethod
    def from_spec(cls, spec: str, primary: str | None = None) -> TokenCipher:
        keys = parse_keys(spec)
        chosen = primary or next(iter(keys))
        if chosen not in keys:
            raise TokenCryptoError(f"primary key id {chosen!r} is not among the configured keys")
        return cls(keys=keys, primary=chosen)

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.primary]).encrypt(nonce, plaintext.encode(), aad.encode())
        blob = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_VERSION}.{self.primary}.{blob}"

    def decrypt(self, ciphertext: str, *, aad: str) -> str:
        try:
            version, kid, blob = ciphertext.split(".", 2)
        except ValueError as error:
            raise TokenCryptoError("malformed ciphertext") from error
        if version != _VERSION:
            raise TokenCryptoError(f"unknown ciphertext version {version!r}")
        key = self.keys.get(kid)
        if key is None:
            raise TokenCryptoError(f"key {kid!r} is not configured (was it removed too early?)")
        try:
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
        except ValueError as error:
            raise TokenCryptoError("malformed ciphertext") from error
        if len(raw) < _NONCE_BYTES + 16:  # nonce + GCM tag at the very least
            raise TokenCryptoError("malformed ciphertext")
        try:
            return (
                AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad.encode()).decode()
            )
        except InvalidTag as error:
            raise TokenCryptoError(
                "ciphertext does not authenticate (tampered or moved)"
            ) from error

    def key_id(self, ciphertext: str) -> str:
        return ciphertext.split(".", 2)[1]

    def needs_rotation(self, ciphertext: str) -> bool:
        return self.key_id(ciphertext) != self.primary
