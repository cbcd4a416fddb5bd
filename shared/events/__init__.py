"""Versioned event schemas: the contract between services and with the analysts.

Rules for evolving them: a topic's name carries its major version (``….v1``); within a version
only additive, optional fields may be added (consumers ignore fields they do not know), and
``schema_version`` says which minor revision produced a message. A breaking change is a new
topic (``….v2``) published side by side until every consumer has moved.
"""

from shared.events.base import Event
from shared.events.connections import (
    ConnectionEstablished,
    ConnectionEvent,
    ConnectionRemoved,
    ReauthorizationRequired,
    TokenExpiringSoon,
    connection_event_adapter,
)
from shared.events.crm import (
    ClientUpserted,
    CrmEvent,
    DeliverableRemoved,
    DeliverableUpserted,
    crm_event_adapter,
)
from shared.events.metrics import MetricsUpdated
from shared.events.signals import SignalRaised
from shared.events.snapshots import AccountSnapshot, ContentItem
from shared.events.syncs import SyncFailed, SyncReason, SyncRequested

__all__ = [
    "AccountSnapshot",
    "ClientUpserted",
    "ConnectionEstablished",
    "ConnectionEvent",
    "ConnectionRemoved",
    "ContentItem",
    "CrmEvent",
    "DeliverableRemoved",
    "DeliverableUpserted",
    "Event",
    "MetricsUpdated",
    "ReauthorizationRequired",
    "SignalRaised",
    "SyncFailed",
    "SyncReason",
    "SyncRequested",
    "TokenExpiringSoon",
    "connection_event_adapter",
    "crm_event_adapter",
]
