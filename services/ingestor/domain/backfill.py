"""Which daily history a sync asks the platform for, and how its days travel.

The ingestor passes on what the platform states for each past day — an absolute count where the
platform keeps one, the day's gains and (where reported) losses — and never works out a count
itself: analytics owns the history and rebuilds totals from it (``services/analytics/domain/
followers.py``), chained from the counts it stored.

An initial sync asks for the whole window (``backfill_days``). Platforms report with a lag
(YouTube Analytics 2-3 days, Instagram about 48 h), so the days just before a connection arrive
later: every sync in the ``settle_days`` after connecting asks again for the days since
``settle_days`` before the connection. Once those days link up with the first live count,
analytics rebuilds the whole history from it — a few days after connecting, with nobody asking.
"""

from __future__ import annotations

from datetime import date


def history_days(
    *,
    backfill: bool,
    connected_on: date | None,
    today: date,
    backfill_days: int,
    settle_days: int,
) -> int:
    """How many days of history this sync fetches (0: none)."""
    if backfill:
        return backfill_days
    if connected_on is None or settle_days <= 0:
        return 0
    age = (today - connected_on).days
    if not 0 < age <= settle_days:
        return 0
    return min(backfill_days, age + settle_days)
