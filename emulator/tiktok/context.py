"""Per-app TikTok state: the shared core plus what only TikTok has to remember.

Tokens and codes are stateless (signed), but three things need memory: codes are single-use,
refresh tokens rotate (the previous one dies once a new one is issued) and ``/v2/oauth/revoke/``
disconnects the app. That memory is per process: after a restart, a used code has expired anyway,
and an old refresh token or a revoked token would work again (documented, acceptable for a demo).
"""

from emulator.core import EmulatorCore

PLATFORM = "tiktok"
HOSTS: tuple[str, ...] = ("www.tiktok.com", "open.tiktokapis.com")


class TikTokContext:
    """Used codes, rotated-away refresh tokens and per-account revocations."""

    def __init__(self, core: EmulatorCore) -> None:
        self.core = core
        self._used_codes: dict[str, float] = {}
        self._rotated: dict[str, float] = {}
        self._revoked_at: dict[str, float] = {}

    @staticmethod
    def _spend(book: dict[str, float], nonce: str, expires_at: float, now: float) -> bool:
        for key in [k for k, exp in book.items() if exp < now]:
            del book[key]
        if nonce in book:
            return False
        book[nonce] = expires_at
        return True

    def use_code(self, nonce: str, expires_at: float) -> bool:
        """Mark a code used; ``False`` if it already was."""
        return self._spend(self._used_codes, nonce, expires_at, self.core.now())

    def rotate(self, nonce: str, expires_at: float) -> bool:
        """Retire a refresh token that is being exchanged; ``False`` if it already was."""
        return self._spend(self._rotated, nonce, expires_at, self.core.now())

    def revoke(self, account: str) -> None:
        """Every token of ``account`` issued up to now stops working (the app is disconnected)."""
        self._revoked_at[account] = self.core.now()

    def revoked_since(self, account: str) -> float | None:
        """When the app was disconnected from ``account`` through the revoke endpoint, if ever."""
        return self._revoked_at.get(account)
