"""Storing snapshots and deriving the history (the analytics service's use cases).

A batch of snapshots is merged into the stored days of each connection it touches; then the
connection's derived figures are recomputed (``domain.growth``) — those of the days the new facts
can reach, which gives what deriving all its stored days gives (``recompute``) — and a
``MetricsUpdated`` goes into the outbox — in the same transaction — for every day whose
published figures changed. The stored facts are order-independent (``supersedes``,
``series_supersedes``) and the derivation is a pure function of them, so the figures are the
same whatever order the days arrive in and however often each arrives.

A day's figures have one source (:class:`DaySource`): the live sync, the platform's history
(backfill), or an admin's history import (:func:`import_history`). The platform always wins
over an import — an import never overwrites a day the platform reported, and a day the
platform reports later replaces the imported one — while a later import replaces an earlier
import of the same day. Imported followers are observed counts (what the client recorded), so
they anchor the chains like the platform's; the day says where its figures came from.

The package, by concern: where a day's figures came from (``sources``), merging a day
(``merge``), deriving a connection again (``recompute``, plain data), writing what was derived
with its events (``rederive``), storing a batch of snapshots (``intake``), an admin's import
(``imports``), the connector's events (``connections``) and reading the history (``queries``).
Every name is importable from ``services.analytics.history`` itself.
"""

from __future__ import annotations

from services.analytics.history.connections import apply_connection_event
from services.analytics.history.imports import Imported, ImportRow, import_history, plan_import
from services.analytics.history.intake import (
    ERROR_EXCERPT_CHARS,
    content_winners,
    store_batch,
    store_isolating,
    store_snapshots,
)
from services.analytics.history.merge import DAY_FIELDS, ImportedDay, merge, merge_import, new_day
from services.analytics.history.queries import latest_row, series, tracked_for_client
from services.analytics.history.recompute import (
    MARGIN,
    Recomputed,
    Rows,
    apply_growth,
    facts,
    metrics_event,
    published,
    recompute,
    recompute_all,
    window_holds,
)
from services.analytics.history.rederive import rederive
from services.analytics.history.sources import (
    DaySource,
    day_source,
    outranks,
    series_supersedes,
    source_of,
    supersedes,
)

__all__ = [
    "DAY_FIELDS",
    "ERROR_EXCERPT_CHARS",
    "MARGIN",
    "DaySource",
    "ImportRow",
    "Imported",
    "ImportedDay",
    "Recomputed",
    "Rows",
    "apply_connection_event",
    "apply_growth",
    "content_winners",
    "day_source",
    "facts",
    "import_history",
    "latest_row",
    "merge",
    "merge_import",
    "metrics_event",
    "new_day",
    "outranks",
    "plan_import",
    "published",
    "recompute",
    "recompute_all",
    "rederive",
    "series",
    "series_supersedes",
    "source_of",
    "store_batch",
    "store_isolating",
    "store_snapshots",
    "supersedes",
    "tracked_for_client",
    "window_holds",
]
