"""What every view reads first: the client's accounts and program, and their daily totals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import programs, reads
from services.analytics.domain import dashboard, totals
from services.analytics.models import TrackedConnection
from services.analytics.views.params import ALL, not_found
from shared.platforms import Platform

DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class Client:
    client_id: str
    tracked: list[TrackedConnection]
    program: programs.Program | None

    @property
    def timezone(self) -> str:
        """The client's IANA time zone (UTC until the CRM sends their program)."""
        return self.program.client.timezone if self.program else DEFAULT_TIMEZONE

    def shown(self) -> dict[str, TrackedConnection]:
        """The connected accounts by platform (one per platform)."""
        live = reads.connected(self.tracked)
        return {
            t.platform: t
            for t in (reads.of_platform(live, p) for p in sorted({t.platform for t in live}))
            if t is not None
        }

    def account(self, platform: str) -> TrackedConnection:
        """The account of a platform path segment: 404 unless a platform the client has had."""
        if platform not in {p.value for p in Platform}:
            raise not_found(f"no such platform: {platform!r}")
        found = reads.of_platform(self.tracked, platform)
        if found is None:
            raise not_found(f"not connected: the client has no {platform} account")
        return found

    def accounts(self, platform: str | None) -> dict[str, TrackedConnection]:
        """One platform's account, or every connected one for ``all``/None (404 with none)."""
        if platform is not None and platform != ALL:
            return {platform: self.account(platform)}
        shown = self.shown()
        if not shown:
            raise not_found("not connected: the client has no connected account")
        return shown


async def client(session: AsyncSession, client_id: str, *, known: bool = False) -> Client:
    """The client's accounts and program; with ``known``, 404 when analytics has neither (an
    admin's look-up of an id that does not exist)."""
    tracked = await reads.accounts(session, client_id)
    found = await programs.program(session, client_id)
    if known and not tracked and found is None:
        raise not_found("no such client")
    return Client(client_id, tracked, found)


def by_platform(
    shown: Mapping[str, TrackedConnection],
    rows: Mapping[uuid.UUID, dict[date, dashboard.DayFigures]],
) -> dict[str, dict[date, dashboard.DayFigures]]:
    return {p: rows[t.connection_id] for p, t in shown.items()}


def follower_totals(
    accounts: Mapping[str, Mapping[date, dashboard.DayFigures]], start: date, end: date
) -> tuple[dict[date, int | None], dict[date, tuple[str, ...]]]:
    """The daily totals of followers across ``accounts`` and, per day, who has no count."""
    found = totals.daily_totals(dashboard.follower_counts(accounts), start, end)
    return totals.total_counts(found), {t.day: t.missing for t in found if t.missing}
