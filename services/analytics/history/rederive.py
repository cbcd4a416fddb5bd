"""Writing what a recomputation derived: the days, the revisions, the ``MetricsUpdated``
events — shared by the snapshot intake and the history import, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from datetime import date
from typing import cast

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import history_store
from services.analytics.domain.followers import DroppedChain
from services.analytics.history.merge import ImportedDay
from services.analytics.history.recompute import Recomputed, metrics_event, recompute
from services.analytics.history_store import Day
from services.analytics.models import DailySnapshot
from shared.events import AccountSnapshot, MetricsUpdated
from shared.logging import get_logger
from shared.messaging import topics
from shared.outbox import enqueue_many

log = get_logger(__name__)


async def rederive(
    session: AsyncSession,
    tracked: Mapping[uuid.UUID, history_store.Tracked],
    days: Mapping[uuid.UUID, MutableMapping[date, Day]],
    incoming: Mapping[uuid.UUID, Sequence[AccountSnapshot | ImportedDay]],
) -> dict[uuid.UUID, Recomputed]:
    """Merge each connection's incoming days into its stored ``days`` and derive it again
    (``recompute``); write the days that arrived or changed, and for each connection that
    changed a new revision and a ``MetricsUpdated`` per changed day — in the session's
    transaction."""
    outcomes: dict[uuid.UUID, Recomputed] = {}
    written: list[DailySnapshot] = []
    derived: list[Day] = []
    revisions: dict[uuid.UUID, int] = {}
    events: list[tuple[MetricsUpdated, str]] = []
    for connection_id, facts in incoming.items():
        connection, rows = tracked[connection_id], days[connection_id]
        outcome = recompute(rows, facts)
        outcome.revision = connection.revision
        if outcome.changed:
            outcome.revision = revisions[connection_id] = connection.revision + 1
            key = str(connection_id)
            events += (
                (metrics_event(row, connection.platform, outcome.revision), key)
                for row in outcome.changed
            )
        arrived = {f.snapshot_date for f in facts}
        written += (cast(DailySnapshot, rows[day]) for day in sorted(arrived))
        derived += (r for r in outcome.changed if r.snapshot_date not in arrived)
        _log_dropped(connection, outcome.dropped)
        outcomes[connection_id] = outcome
    await history_store.write_days(session, written)
    await history_store.write_derived(session, derived)
    await history_store.set_revisions(session, revisions)
    await enqueue_many(session, topics.METRICS_UPDATED, events)
    return outcomes


def _log_dropped(connection: history_store.Tracked, dropped: Iterable[DroppedChain]) -> None:
    for chain in dropped:
        log.warning(
            "follower history dropped: the platform's changes go below zero",
            connection_id=str(connection.connection_id),
            platform=connection.platform,
            anchor=chain.anchor.isoformat(),
            anchor_count=chain.anchor_count,
            first=chain.first.isoformat(),
            last=chain.last.isoformat(),
            lowest=chain.lowest,
        )
