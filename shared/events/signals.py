"""Signals about an account, or a client's accounts in total (topic ``analytics.signals.v1``).

Published by analytics, keyed by ``client_id`` (a client's signals stay in order on one
partition), each once: analytics stores every signal it raised under ``(scope, key)`` and
publishes only the ones it stored for the first time, so replaying the same snapshots or
metrics publishes nothing new. ``event_id`` is a UUIDv5 of the scope and key, the same for a
redelivery. Alerts build on it: ``key`` is stable (kind, day, and the threshold of a
milestone), ``day`` is the day the signal is about, ``numbers`` the figures that triggered it.

Kinds: ``milestone`` and ``total_milestone`` (a follower threshold first reached, by one
account or by the sum of the client's accounts), ``surge``, ``decline``, ``stall`` (daily gains
against the account's own recent baseline), ``low_engagement``, ``stale_data`` (no successful
sync for N days; ``reason`` says whether the account ever synced). The rules and their numbers
are in docs/analytics-methods.md, "Signals".
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from shared.events.base import Event
from shared.platforms import Platform

SignalKindName = Literal[
    "milestone", "total_milestone", "surge", "decline", "stall", "low_engagement", "stale_data"
]
StaleReasonName = Literal["no_recent_sync", "never_synced"]

#: The namespace of the signals' deterministic event ids.
SIGNAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:lsa:analytics.signals.v1")


def signal_scope(client_id: str, connection_id: UUID | None) -> str:
    """Whose signal it is: the connection id, or ``client:<id>`` for a client's total."""
    return str(connection_id) if connection_id is not None else f"client:{client_id}"


def signal_event_id(scope: str, key: str) -> UUID:
    """The same signal always has the same event id."""
    return uuid.uuid5(SIGNAL_NAMESPACE, f"{scope}/{key}")


class SignalRaised(Event):
    type: Literal["signal.raised"] = "signal.raised"
    client_id: str
    #: None for a client's total milestone.
    connection_id: UUID | None = None
    #: None for a client's total milestone.
    platform: Platform | None = None
    #: None for a client's total milestone.
    username: str | None = None
    kind: SignalKindName
    #: The UTC day the signal is about (stale data: the day it was found stale).
    day: date
    #: Unique within the scope, e.g. ``milestone:10000:2026-11-19``: deduplicate on it.
    key: str
    #: The figures that triggered it, by name (dates as ISO strings).
    numbers: dict[str, int | float | str]
    #: Stale data only: ``no_recent_sync`` or ``never_synced``.
    reason: StaleReasonName | None = None
    #: When analytics first raised it.
    raised_at: datetime
