"""Token custody: AES-256-GCM ciphertexts with key ids and associated data."""

from __future__ import annotations

import base64
import os

import pytest

from services.connector.crypto import TokenCipher, TokenCryptoError, parse_keys

AAD = "connection:1111:access"
OTHER_AAD = "connection:2222:access"


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _blob(ciphertext: str) -> bytes:
    blob = ciphertext.split(".", 2)[2]
    return base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))


def _with_blob(ciphertext: str, raw: bytes) -> str:
    version, kid, _ = ciphertext.split(".", 2)
    return f"{version}.{kid}." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher.from_spec(f"k1:{_key()}")


def test_round_trip(cipher: TokenCipher) -> None:
    token = "IGAA-some-long-lived-token-\u00e9"
    assert cipher.decrypt(cipher.encrypt(token, aad=AAD), aad=AAD) == token


def test_ciphertext_format_is_version_kid_blob(cipher: TokenCipher) -> None:
    plaintext = "secret-token"
    ciphertext = cipher.encrypt(plaintext, aad=AAD)
    version, kid, blob = ciphertext.split(".", 2)
    assert (version, kid) == ("v1", "k1")
    assert plaintext not in ciphertext
    assert "=" not in blob  # padding stripped
    # 12-byte nonce, then the ciphertext (same length as the UTF-8 plaintext), then a 16-byte tag.
    assert len(_blob(ciphertext)) == 12 + len(plaintext.encode()) + 16


def test_other_connections_aad_does_not_decrypt(cipher: TokenCipher) -> None:
    ciphertext = cipher.encrypt("token", aad=AAD)
    with pytest.raises(TokenCryptoError, match="does not authenticate"):
        cipher.decrypt(ciphertext, aad=OTHER_AAD)


def test_refresh_field_aad_does_not_decrypt_access_ciphertext(cipher: TokenCipher) -> None:
    ciphertext = cipher.encrypt("token", aad="connection:1111:access")
    with pytest.raises(TokenCryptoError):
        cipher.decrypt(ciphertext, aad="connection:1111:refresh")


@pytest.mark.parametrize("position", [0, 12, -1], ids=["nonce", "body", "tag"])
def test_tampered_ciphertext_fails(cipher: TokenCipher, position: int) -> None:
    ciphertext = cipher.encrypt("token-value", aad=AAD)
    raw = bytearray(_blob(ciphertext))
    raw[position] ^= 0x01
    with pytest.raises(TokenCryptoError):
        cipher.decrypt(_with_blob(ciphertext, bytes(raw)), aad=AAD)


def test_ciphertext_relabelled_with_another_kid_fails() -> None:
    cipher = TokenCipher.from_spec(f"a:{_key()},b:{_key()}", primary="a")
    ciphertext = cipher.encrypt("token", aad=AAD)
    relabelled = ciphertext.replace("v1.a.", "v1.b.", 1)
    with pytest.raises(TokenCryptoError):
        cipher.decrypt(relabelled, aad=AAD)


def test_key_rotation() -> None:
    old_key, new_key = _key(), _key()
    old = TokenCipher.from_spec(f"old:{old_key}")
    old_ciphertext = old.encrypt("old-token", aad=AAD)

    rotated = TokenCipher.from_spec(f"old:{old_key},new:{new_key}", primary="new")
    assert rotated.decrypt(old_ciphertext, aad=AAD) == "old-token"
    new_ciphertext = rotated.encrypt("new-token", aad=AAD)
    assert new_ciphertext.startswith("v1.new.")
    assert rotated.key_id(new_ciphertext) == "new"
    assert rotated.needs_rotation(old_ciphertext)
    assert not rotated.needs_rotation(new_ciphertext)
    assert rotated.decrypt(new_ciphertext, aad=AAD) == "new-token"


def test_primary_defaults_to_first_listed_key() -> None:
    cipher = TokenCipher.from_spec(f"first:{_key()},second:{_key()}")
    assert cipher.primary == "first"
    assert cipher.encrypt("x", aad=AAD).startswith("v1.first.")


def test_unknown_primary_is_refused() -> None:
    with pytest.raises(TokenCryptoError, match="primary"):
        TokenCipher.from_spec(f"a:{_key()}", primary="b")


def test_removed_key_gives_a_clear_error() -> None:
    old_key, new_key = _key(), _key()
    ciphertext = TokenCipher.from_spec(f"old:{old_key}").encrypt("token", aad=AAD)
    only_new = TokenCipher.from_spec(f"new:{new_key}")
    with pytest.raises(TokenCryptoError, match=r"'old' is not configured"):
        only_new.decrypt(ciphertext, aad=AAD)


def test_unknown_version_and_malformed_ciphertext_are_refused(cipher: TokenCipher) -> None:
    ciphertext = cipher.encrypt("token", aad=AAD)
    with pytest.raises(TokenCryptoError, match="version"):
        cipher.decrypt("v2" + ciphertext[2:], aad=AAD)
    with pytest.raises(TokenCryptoError, match="malformed"):
        cipher.decrypt("not-a-ciphertext", aad=AAD)


def test_truncated_ciphertext_raises_token_crypto_error(cipher: TokenCipher) -> None:
    with pytest.raises(TokenCryptoError):
        cipher.decrypt("v1.k1.AAAA", aad=AAD)


def test_nonces_differ_between_encryptions(cipher: TokenCipher) -> None:
    first = cipher.encrypt("same plaintext", aad=AAD)
    second = cipher.encrypt("same plaintext", aad=AAD)
    assert first != second
    assert _blob(first)[:12] != _blob(second)[:12]
    assert cipher.decrypt(first, aad=AAD) == cipher.decrypt(second, aad=AAD)


def test_parse_keys_accepts_several_keys_and_whitespace() -> None:
    a, b = os.urandom(32), os.urandom(32)
    spec = f" a:{base64.b64encode(a).decode()} , b:{base64.b64encode(b).decode()} ,"
    assert parse_keys(spec) == {"a": a, "b": b}


@pytest.mark.parametrize("size", [16, 24, 31, 33, 64])
def test_parse_keys_refuses_wrong_lengths(size: int) -> None:
    spec = "k:" + base64.b64encode(os.urandom(size)).decode()
    with pytest.raises(TokenCryptoError, match=f"got {size}"):
        parse_keys(spec)


def test_parse_keys_refuses_bad_base64() -> None:
    with pytest.raises(TokenCryptoError, match="base64"):
        parse_keys("k:not*base64!")


@pytest.mark.parametrize(
    "spec",
    [
        f":{base64.b64encode(bytes(32)).decode()}",  # empty kid
        base64.b64encode(bytes(32)).decode(),  # no kid at all
        f"a.b:{base64.b64encode(bytes(32)).decode()}",  # dotted kid breaks the format
    ],
    ids=["empty-kid", "missing-kid", "dotted-kid"],
)
def test_parse_keys_refuses_bad_kids(spec: str) -> None:
    with pytest.raises(TokenCryptoError, match="kid"):
        parse_keys(spec)


@pytest.mark.parametrize("spec", ["", " , ,"])
def test_parse_keys_refuses_empty_spec(spec: str) -> None:
    with pytest.raises(TokenCryptoError, match="no token encryption key"):
        parse_keys(spec)
