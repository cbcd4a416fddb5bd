"""The history's tables, read and written in bulk: a batch of snapshots in a few statements.

SQLAlchemy Core on the session's transaction, one statement (an executemany) per table and
batch however many connections it holds — the ORM's unit of work per row cost far more than
storing itself (about 70% of intake's time). Lists of keys are cut into chunks of
:data:`CHUNK`, well under both databases' limits on bound parameters.

By table: the keys' chunks (``keys``), the tracked connections (``tracking``), the days
(``days``), the days' content items (``content``). Every name is importable from
``services.analytics.history_store`` itself, and the history calls them through it (so a test
that patches ``history_store.load_days`` reaches the call).
"""

from __future__ import annotations

from services.analytics.history_store.content import CONTENT_COLUMNS, content_rows, replace_content
from services.analytics.history_store.days import (
    DERIVED,
    FIELDS,
    Day,
    Days,
    StoredDay,
    load_days,
    write_days,
    write_derived,
)
from services.analytics.history_store.keys import CHUNK, chunks
from services.analytics.history_store.tracking import Tracked, lock, set_revisions, track

__all__ = [
    "CHUNK",
    "CONTENT_COLUMNS",
    "DERIVED",
    "FIELDS",
    "Day",
    "Days",
    "StoredDay",
    "Tracked",
    "chunks",
    "content_rows",
    "load_days",
    "lock",
    "replace_content",
    "set_revisions",
    "track",
    "write_days",
    "write_derived",
]
