"""Per-app TikTok state: the shared core plus what only TikTok has to remember.

Tokens and codes are stateless (signed), but three things need memory: codes are single-use,
refresh tokens rotate (the previous one dies once a new one is issued) and ``/v2/oauth/revoke/``
disconnects the app. That memory is per process: after a restart, a used code has expired anyway,
and an old refresh token or a revoked token would work again (documented, acceptable for a demo).
"""

from emulator.core import EmulatorCore
from emulator.oauth import OAuthContext, SingleUse

PLATFORM = "tiktok"
HOSTS: tuple[str, ...] = ("www.tiktok.com", "open.tiktokapis.com")


class TikTokContext(OAuthContext):
    """Used codes, rotated-away refresh tokens and per-account revocations."""

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self._rotated = SingleUse(core)
        self._revoked_at: dict[str, float] = {}

    def rotate(self, nonce: str, expires_at: float) -> bool:
        """Retire a refresh token that is being exchanged; ``False`` if it already was."""
        return self._rotated.spend(nonce, expires_at)

    def revoke(self, account: str) -> None:
        """Every token of ``account`` issued up to now stops working (the app is disconnected)."""
        self._revoked_at[account] = self.core.now()

    def revoked_since(self, account: str) -> float | None:
        """When the app was disconnected from ``account`` through the revoke endpoint, if ever."""
        return self._revoked_at.get(account)
