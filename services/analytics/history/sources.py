"""Where a stored day's figures came from, and which source replaces which.

The platform always wins over an import, a live fetch over the platform's history; between two
of a kind the later fetch wins. These rules make the stored facts order-independent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from services.analytics.history_store import Day
from shared.db.types import as_utc
from shared.events import AccountSnapshot


class DaySource(StrEnum):
    """Where a stored day's figures came from."""

    LIVE = "live"
    """The day's live sync."""
    PLATFORM = "platform"
    """The platform's own history of the day (a backfill)."""
    IMPORT = "import"
    """An admin's history import: counts the client recorded."""


#: Which source beats which: live over the platform's history over an import.
_RANK = {DaySource.IMPORT: 0, DaySource.PLATFORM: 1, DaySource.LIVE: 2}


def source_of(*, imported: bool, backfill: bool) -> DaySource:
    """A day's source from its two flags (never both set)."""
    if imported:
        return DaySource.IMPORT
    return DaySource.PLATFORM if backfill else DaySource.LIVE


def day_source(row: Day) -> DaySource:
    return source_of(imported=row.imported, backfill=row.backfill)


def outranks(source: DaySource, fetched_at: datetime, existing: Day | None) -> bool:
    """Do figures from ``source``, fetched at ``fetched_at``, replace the stored day's?

    The better source wins (live, then the platform's history, then an import); between two of
    a kind, the later fetch (an identical redelivery changes nothing either way).
    """
    if existing is None:
        return True
    stored = day_source(existing)
    if stored is not source:
        return _RANK[source] > _RANK[stored]
    stored_at = as_utc(existing.fetched_at)
    return stored_at is None or fetched_at >= stored_at


def supersedes(incoming: AccountSnapshot, existing: Day | None) -> bool:
    """Does ``incoming`` replace the day's figures that are stored?

    A live fetch beats the platform's history of the same day, and both beat an import; between
    two of a kind, the later fetch wins (an identical redelivery changes nothing either way).
    """
    source = DaySource.PLATFORM if incoming.backfill else DaySource.LIVE
    return outranks(source, incoming.fetched_at, existing)


def series_supersedes(incoming: AccountSnapshot, existing: Day | None) -> bool:
    """Do ``incoming``'s gains and losses replace the stored ones? The latest history fetch wins.

    Kept apart from the day's other figures: a day fetched live keeps the gains and losses a
    later re-fetch of the platform's history brings (they link it to the days around it).
    """
    if incoming.followers_gained is None and incoming.followers_lost is None:
        return False
    stored_at = as_utc(existing.series_fetched_at) if existing is not None else None
    return stored_at is None or incoming.fetched_at >= stored_at
