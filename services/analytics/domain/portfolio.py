"""The portfolio across clients: followers, growth standings, platform shares, who needs attention.

Plain data in, plain data out (``portfolio.py`` loads it). The figures are the dashboards' own:
a client's total of a day only when every account has a count (``totals.py``), growth between
two exact counts (``range_growth.py``), the signal rules' thresholds (``signals.py``). Nothing
is estimated: a figure that cannot be known is ``None`` and is left out of any mean.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from services.analytics.domain.range_growth import growth_between
from services.analytics.domain.ranges import DailyCounts
from services.analytics.domain.signals import (
    DEFAULT_CONFIG,
    DailyRates,
    Number,
    SignalConfig,
    low_rate,
    stale_data,
)
from services.analytics.domain.totals import daily_totals

#: The leaderboard's windows, in days.
WINDOWS = {"7d": 7, "30d": 30, "90d": 90}


@dataclass(frozen=True)
class Account:
    """One connected account (not disconnected) as the portfolio sees it."""

    connection_id: uuid.UUID
    client_id: str
    platform: str
    status: str
    """``active`` or ``reauth_required``."""
    connected_on: date
    latest_day: date | None
    """The latest day up to today with a known count; None if none."""
    latest_count: int | None
    last_live_day: date | None
    """The latest day up to today a live sync stored (neither backfill nor import)."""


@dataclass(frozen=True)
class Growth:
    """A client's total followers from the start of ``start`` to the start of ``end``."""

    start: date
    end: date
    start_count: int | None
    end_count: int | None
    change: int | None
    percent: float | None
    """``100 * change / start_count``; None when the change is unknown or the start is 0."""


def client_growth(accounts: Mapping[uuid.UUID, DailyCounts], today: date, days: int) -> Growth:
    """The growth of the client's total over ``[today - days, today]``.

    ``accounts`` needs only the counts of those two days. The total of a day is
    ``totals.daily_totals``' (unknown unless every account has a count), the growth is
    ``range_growth.growth_between``' over the two totals.
    """
    start = today - timedelta(days=days)
    named = {str(connection_id): counts for connection_id, counts in accounts.items()}
    totals = {day: (daily_totals(named, day, day) or (None,))[0] for day in (start, today)}
    series = {day: None if total is None else total.total for day, total in totals.items()}
    growth = growth_between(series, start, today)
    return Growth(start, today, growth.start_count, growth.end_count, growth.change, growth.percent)


@dataclass(frozen=True)
class Standing:
    position: int
    """1, 2, … over every client, the unranked after the ranked."""
    rank: int | None
    """1, 2, … over the clients whose percent is known; None for the others."""
    client_id: str
    growth: Growth


def standings(growths: Mapping[str, Growth]) -> tuple[Standing, ...]:
    """Clients by growth percent, highest first.

    Ties: the larger absolute change first, then the client id (ascending): every client has a
    position of its own. Clients whose percent is unknown follow, by client id, without a rank.
    """
    ranked = sorted(
        (c for c, g in growths.items() if g.percent is not None),
        # A known percent has a known change.
        key=lambda c: (-(growths[c].percent or 0.0), -(growths[c].change or 0), c),
    )
    unranked = sorted(c for c, g in growths.items() if g.percent is None)
    out = [Standing(i + 1, i + 1, c, growths[c]) for i, c in enumerate(ranked)]
    out += [Standing(len(ranked) + i + 1, None, c, growths[c]) for i, c in enumerate(unranked)]
    return tuple(out)


@dataclass(frozen=True)
class AverageGrowth:
    days: int
    mean_percent: float | None
    """Mean over the clients whose percent is known; None when there are none."""
    n: int
    """Clients in the mean."""
    clients: int
    """Clients in the portfolio."""


def average_growth(days: int, growths: Iterable[Growth]) -> AverageGrowth:
    """The mean of the clients' growth percents: each client counts once, whatever its size."""
    growths = list(growths)
    known = [g.percent for g in growths if g.percent is not None]
    mean = statistics.fmean(known) if known else None
    return AverageGrowth(days, mean, len(known), len(growths))


@dataclass(frozen=True)
class Followers:
    total: int
    """Sum of every account's latest known count."""
    accounts: int
    """Accounts in the sum."""
    accounts_without_count: int
    """Accounts with no known count at all (not in the sum)."""


def total_followers(accounts: Iterable[Account]) -> Followers:
    counts = [a.latest_count for a in accounts]
    known = [n for n in counts if n is not None]
    return Followers(sum(known), len(known), len(counts) - len(known))


@dataclass(frozen=True)
class PlatformShare:
    platform: str
    followers: int
    accounts: int
    share: float | None
    """Percent of the portfolio's total; None when the total is 0."""


def platform_shares(accounts: Iterable[Account]) -> tuple[PlatformShare, ...]:
    """Each platform's followers (latest known counts), largest first, ties by name."""
    followers: dict[str, int] = {}
    counted: dict[str, int] = {}
    for a in accounts:
        if a.latest_count is not None:
            followers[a.platform] = followers.get(a.platform, 0) + a.latest_count
            counted[a.platform] = counted.get(a.platform, 0) + 1
    total = sum(followers.values())
    order = sorted(followers, key=lambda p: (-followers[p], p))
    return tuple(
        PlatformShare(p, followers[p], counted[p], 100.0 * followers[p] / total if total else None)
        for p in order
    )


class AttentionKind(StrEnum):
    NEGATIVE_GROWTH = "negative_growth"
    LOW_ENGAGEMENT = "low_engagement"
    STALE_DATA = "stale_data"
    REAUTH_REQUIRED = "reauth_required"


@dataclass(frozen=True)
class Attention:
    kind: AttentionKind
    connection_id: uuid.UUID | None
    """The account it is about; None for the client's total (negative growth)."""
    platform: str | None
    numbers: dict[str, Number] = field(hash=False)
    """The figures behind it (dates as ISO strings)."""


def client_attention(
    accounts: Sequence[Account],
    rates: Mapping[uuid.UUID, DailyRates],
    growth_30d: Growth,
    today: date,
    config: SignalConfig = DEFAULT_CONFIG,
) -> tuple[Attention, ...]:
    """Why a client needs attention, if it does.

    * negative growth: the total's exact 30-day change is below 0;
    * per account, by platform: a connection that needs reauthorising; stale data —
      ``signals.stale_data`` with the last live day as the last success; else low engagement —
      the rate of the last live day below ``max(engagement_floor, engagement_fraction *
      median)`` of the ``engagement_days`` before it, the low-engagement rule's condition.
    """
    out: list[Attention] = []
    change, start, end = growth_30d.change, growth_30d.start_count, growth_30d.end_count
    if change is not None and change < 0 and start is not None and end is not None:
        numbers: dict[str, Number] = {
            "days": (growth_30d.end - growth_30d.start).days,
            "change": change,
            "start_count": start,
            "end_count": end,
        }
        if growth_30d.percent is not None:
            numbers["percent"] = growth_30d.percent
        out.append(Attention(AttentionKind.NEGATIVE_GROWTH, None, None, numbers))
    for a in sorted(accounts, key=lambda a: (a.platform, str(a.connection_id))):
        if a.status == "reauth_required":
            out.append(Attention(AttentionKind.REAUTH_REQUIRED, a.connection_id, a.platform, {}))
        stale = stale_data(a.last_live_day, today, config, a.connected_on)
        if stale is not None:
            numbers = dict(stale.numbers)
            if stale.reason is not None:
                numbers["reason"] = stale.reason.value
            out.append(Attention(AttentionKind.STALE_DATA, a.connection_id, a.platform, numbers))
            continue
        if a.last_live_day is None:
            continue
        low = low_rate(rates.get(a.connection_id, {}), a.last_live_day, config)
        if low is not None:
            rate, centre, threshold, n = low
            out.append(
                Attention(
                    AttentionKind.LOW_ENGAGEMENT,
                    a.connection_id,
                    a.platform,
                    {
                        "day": a.last_live_day.isoformat(),
                        "rate": rate,
                        "median_rate": centre,
                        "threshold": threshold,
                        "floor": config.engagement_floor,
                        "fraction": config.engagement_fraction,
                        "rates": n,
                    },
                )
            )
    return tuple(out)
