"""Stateless codes and tokens as signed claim sets, and the checks every platform runs on them.

A :class:`ClaimCodec` maps a frozen dataclass to short JSON claims and back; the claim names,
signing purpose and prefix are each platform's own (and must never change: tokens already issued
stay valid across emulator versions and restarts).
"""

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from emulator.core import EmulatorCore
from emulator.signing import Signer

T = TypeVar("T")

_DECODE_ERRORS = (KeyError, TypeError, ValueError)


def text(value: Any) -> str:
    """A string claim."""
    return str(value)


def number(value: Any) -> float:
    """A time claim (seconds)."""
    return float(value)


def scope_list(value: Any) -> tuple[str, ...]:
    """A list-of-scopes claim."""
    return tuple(str(s) for s in value)


def raw(value: Any) -> Any:
    """A claim kept as decoded from JSON."""
    return value


def one_of(*allowed: str) -> Callable[[Any], str]:
    """A claim restricted to ``allowed`` (anything else makes the token invalid)."""

    def decode(value: Any) -> str:
        if value not in allowed:
            raise ValueError(value)
        return str(value)

    return decode


@dataclass(frozen=True)
class Claim:
    """One claim: the dataclass attribute it holds and how to read it back.

    ``nullable``: ``null`` is kept as ``None``; ``required=False``: a missing claim reads as
    ``None`` too.
    """

    attr: str
    decode: Callable[[Any], Any] = text
    nullable: bool = False
    required: bool = True


CODE_CLAIMS: Mapping[str, Claim] = {
    "a": Claim("account"),
    "c": Claim("client_id"),
    "r": Claim("redirect_uri"),
    "s": Claim("scopes", scope_list),
    "iat": Claim("issued_at", number),
    "n": Claim("nonce"),
}
"""The claims of an authorization code (platforms add their own)."""

TOKEN_CLAIMS: Mapping[str, Claim] = {
    "a": Claim("account"),
    "c": Claim("client_id"),
    "s": Claim("scopes", scope_list),
    "iat": Claim("issued_at", number),
    "exp": Claim("expires_at", number),
}
"""The claims of an access or refresh token (platforms add their own)."""


class ClaimCodec(Generic[T]):
    """Signs instances of one frozen dataclass and reads them back (``None`` when not ours)."""

    def __init__(
        self,
        factory: Callable[..., T],
        purpose: str,
        prefix: str,
        claims: Mapping[str, Claim],
        *,
        fixed: Mapping[str, Any] | None = None,
        nonce: bool = False,
        suffix: str = "",
    ) -> None:
        """``fixed``: attributes implied by the codec (a token kind); ``nonce``: add a random
        ``n`` claim so every issued string is new; ``suffix``: appended after the signature."""
        self._factory = factory
        self.purpose = purpose
        self.prefix = prefix
        self._claims = dict(claims)
        self._fixed = dict(fixed or {})
        self._nonce = nonce
        self._suffix = suffix

    def mint(self, signer: Signer, value: T) -> str:
        """Encode ``value``."""
        claims: dict[str, Any] = {}
        for key, claim in self._claims.items():
            attr = getattr(value, claim.attr)
            claims[key] = list(attr) if isinstance(attr, tuple) else attr
        if self._nonce:
            claims["n"] = secrets.token_hex(4)
        return signer.sign(self.purpose, self.prefix, claims) + self._suffix

    def parse(self, signer: Signer, raw_value: str) -> T | None:
        """Decode a string we issued, or ``None`` if it is not ours or was tampered with.

        Decoding is pure (the signer's key and the string decide it), so the result is kept on
        the signer: a token sent with every call is verified once.
        """
        key = (self, raw_value)
        try:
            known: T | None = signer.decoded[key]
        except KeyError:
            known = self._parse(signer, raw_value)
            signer.remember(key, known)
        return known

    def _parse(self, signer: Signer, raw_value: str) -> T | None:
        claims = signer.verify(self.purpose, self.prefix, raw_value.removesuffix(self._suffix))
        if claims is None:
            return None
        try:
            values = dict(self._fixed)
            for key, claim in self._claims.items():
                value = claims[key] if claim.required else claims.get(key)
                is_null = value is None and (claim.nullable or not claim.required)
                values[claim.attr] = None if is_null else claim.decode(value)
            return self._factory(**values)
        except _DECODE_ERRORS:
            return None


# -- validity -------------------------------------------------------------------------------------


def issued_before(issued_at: float, *moments: float | None) -> bool:
    """Whether a token issued at ``issued_at`` predates any of ``moments`` (revocations, faults)."""
    return any(moment is not None and issued_at <= moment for moment in moments)


def fault_times(
    core: EmulatorCore, platform: str, account: str, *kinds: str
) -> tuple[float | None, ...]:
    """When each token-killing fault kind (``revoke``, ``expire_tokens``) first hit ``account``."""
    return tuple(core.faults.account_fault_since(platform, kind, account) for kind in kinds)


def hit_by_fault(
    core: EmulatorCore, platform: str, account: str, issued_at: float, *kinds: str
) -> bool:
    """Whether a fault of one of ``kinds`` killed a token of ``account`` issued at ``issued_at``."""
    return issued_before(issued_at, *fault_times(core, platform, account, *kinds))
