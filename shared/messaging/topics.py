"""The one registry of topic names.

Names read ``<owner>.<what>.<major version>``; each topic has a dead-letter twin
``<topic>.dlq`` where consumers park messages they cannot process. The owner is one of the five
services, or ``crm``: the admin CRM, outside this system, which publishes its clients and their
programs (``shared/events/crm.py``) for analytics to follow.
"""

from __future__ import annotations

from shared.platforms import Platform

CONNECTIONS = "connector.connections.v1"
SYNC_REQUESTS = "ingestor.sync-requests.v1"
SYNC_FAILURES = "ingestor.sync-failures.v1"
METRICS_UPDATED = "analytics.metrics-updated.v1"
#: Owned by analytics: milestones, surges, declines, stalls, low engagement, stale data
#: (``shared/events/signals.py``), keyed by client id.
SIGNALS = "analytics.signals.v1"
#: Owned by the CRM (it publishes, keyed by client id); analytics follows it (``analytics.crm``).
CRM_CLIENTS = "crm.clients.v1"
DLQ_SUFFIX = ".dlq"


def snapshots(platform: Platform) -> str:
    return f"ingestor.snapshots.{platform.value}.v1"


SNAPSHOT_TOPICS: tuple[str, ...] = tuple(snapshots(p) for p in Platform)


def dead_letter(topic: str) -> str:
    return topic + DLQ_SUFFIX


def all_topics() -> list[str]:
    """Every topic the system uses, dead-letter twins included (created at start-up)."""
    main = [
        CONNECTIONS,
        SYNC_REQUESTS,
        SYNC_FAILURES,
        METRICS_UPDATED,
        SIGNALS,
        CRM_CLIENTS,
        *SNAPSHOT_TOPICS,
    ]
    return main + [dead_letter(t) for t in main]
