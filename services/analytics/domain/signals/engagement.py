"""Low engagement (a rate below the account's own median) and stale data (no recent sync)."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median
from typing import NamedTuple

from services.analytics.domain.followers import ONE_DAY
from services.analytics.domain.signals.config import (
    DEFAULT_CONFIG,
    DailyRates,
    Number,
    Signal,
    SignalConfig,
    SignalKind,
    StaleReason,
    days_from,
)


class LowRate(NamedTuple):
    """Why the rate of a day is low: the figures the rule compared."""

    rate: float
    median: float
    """Of the known rates of the ``engagement_days`` before the day."""
    threshold: float
    """``max(engagement_floor, engagement_fraction * median)``."""
    rates: int
    """Known rates in the median."""


def low_rate(rates: DailyRates, day: date, config: SignalConfig = DEFAULT_CONFIG) -> LowRate | None:
    """The rate of ``day`` below ``max(floor, fraction * median of the E days before)``, else None.

    The low-engagement rule's core, true on every day of a low run (the signal fires on its
    first day only); None also when the day's rate or enough earlier rates are unknown.
    """
    rate = rates.get(day)
    days = days_from(day - timedelta(days=config.engagement_days), config.engagement_days)
    known = [r for r in (rates.get(t) for t in days) if r is not None]
    if rate is None or len(known) < config.min_engagement_rates:
        return None
    centre = float(median(known))
    threshold = max(config.engagement_floor, config.engagement_fraction * centre)
    return LowRate(rate, centre, threshold, len(known)) if rate < threshold else None


def low_engagement(
    rates: DailyRates, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> Signal | None:
    """The rate of ``day`` below ``max(floor, fraction * median of the E days before)``, when
    that did not already hold on ``day - 1``."""
    low = low_rate(rates, day, config)
    if low is None or low_rate(rates, day - ONE_DAY, config) is not None:
        return None
    rate, centre, threshold, n = low
    numbers: dict[str, Number] = {
        "rate": rate,
        "median_rate": centre,
        "threshold": threshold,
        "floor": config.engagement_floor,
        "fraction": config.engagement_fraction,
        "rates": n,
    }
    return Signal(SignalKind.LOW_ENGAGEMENT, day, f"low_engagement:{day.isoformat()}", numbers)


# --- stale data ------------------------------------------------------------------------------


def stale_data(
    last_success: date | None,
    day: date,
    config: SignalConfig = DEFAULT_CONFIG,
    connected_on: date | None = None,
) -> Signal | None:
    """No successful sync for ``stale_days`` days on ``day``: ``day - last_success >= N``.

    Key ``stale_data:<last_success>``: one signal per stale streak. Never synced: reason
    ``never_synced``, from ``connected_on + N`` on when it is given (key
    ``stale_data:never_synced:<connected_on>``), else at once (key ``stale_data:never_synced``).
    """
    n = config.stale_days
    kind = SignalKind.STALE_DATA
    if last_success is not None:
        age = (day - last_success).days
        if age < n:
            return None
        numbers: dict[str, Number] = {
            "days_since_success": age,
            "threshold_days": n,
            "last_success": last_success.isoformat(),
        }
        key = f"{kind}:{last_success.isoformat()}"
        return Signal(kind, day, key, numbers, StaleReason.NO_RECENT_SYNC)
    if connected_on is None:
        numbers = {"threshold_days": n}
        return Signal(kind, day, f"{kind}:never_synced", numbers, StaleReason.NEVER_SYNCED)
    age = (day - connected_on).days
    if age < n:
        return None
    numbers = {
        "days_since_connected": age,
        "threshold_days": n,
        "connected_on": connected_on.isoformat(),
    }
    key = f"{kind}:never_synced:{connected_on.isoformat()}"
    return Signal(kind, day, key, numbers, StaleReason.NEVER_SYNCED)
