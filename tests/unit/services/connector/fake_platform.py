"""A scriptable platform client: rotating, single-use refresh tokens, refusals on demand."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from shared.events.snapshots import SnapshotMetrics
from shared.platforms import Platform
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    RefreshPolicy,
    TokenGrant,
)


@dataclass
class FakePlatform:
    """Like X: 2-hour access tokens, refresh tokens that rotate and die once used."""

    platform: Platform = Platform.X
    supports_pkce: bool = True
    refresh_policy: RefreshPolicy = field(default_factory=RefreshPolicy)
    rotate: bool = True
    refuse_refresh: ErrorClass | None = None
    refuse_revoke: ErrorClass | None = None
    delay: float = 0.0
    refreshes: int = 0
    revoked: list[str] = field(default_factory=list)
    live_refresh_tokens: set[str] = field(default_factory=set)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def grant(self, *, with_refresh: bool = True) -> TokenGrant:
        n = next(self._counter)
        refresh = f"refresh-{n}" if with_refresh else None
        if refresh:
            self.live_refresh_tokens.add(refresh)
        return TokenGrant(
            access_token=f"access-{n}",
            expires_in=7200,
            refresh_token=refresh,
            refresh_expires_in=15_552_000 if refresh else None,
            platform_user_id="u1",
        )

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        return f"https://fake.test/auth?state={state}&code_challenge={code_challenge}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        return self.grant()

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        self.refreshes += 1
        await asyncio.sleep(self.delay)
        if self.refuse_refresh is not None:
            raise PlatformError(self.platform, self.refuse_refresh, "invalid_grant")
        if refresh_token not in self.live_refresh_tokens:
            raise PlatformError(
                self.platform, ErrorClass.REAUTH_REQUIRED, "refresh token already used"
            )
        if self.rotate:
            self.live_refresh_tokens.discard(refresh_token)  # single use
            return self.grant()
        n = next(self._counter)
        return TokenGrant(access_token=f"access-{n}", expires_in=7200)

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        if self.refuse_revoke is not None:
            raise PlatformError(self.platform, self.refuse_revoke, "revoke refused")
        self.revoked.append(access_token)
        return True

    async def identity(self, access_token: str) -> AccountIdentity:
        return AccountIdentity(platform_user_id="u1", username="fake_user")

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        return SnapshotMetrics(followers=1)

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        return []
