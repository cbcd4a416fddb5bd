"""The topic registry: names, dead-letter twins, one snapshot topic per platform."""

from __future__ import annotations

import re

from shared.messaging import topics
from shared.platforms import Platform

#: The owner is one of the five services, or the CRM (outside the system: it publishes its clients).
_NAME = re.compile(r"^(connector|ingestor|analytics|alerts|reports|crm)\.[a-z0-9.-]+\.v\d+$")


def _main_topics() -> list[str]:
    return [t for t in topics.all_topics() if not t.endswith(topics.DLQ_SUFFIX)]


def test_every_topic_has_a_dead_letter_twin() -> None:
    every = set(topics.all_topics())
    main = _main_topics()
    assert main
    for topic in main:
        assert f"{topic}.dlq" in every
    # ...and nothing else: no orphan dead-letter topics, no dead letters of dead letters.
    dead = every - set(main)
    assert dead == {f"{t}.dlq" for t in main}
    assert not any(t.endswith(".dlq.dlq") for t in every)


def test_dead_letter_appends_the_suffix() -> None:
    assert topics.dead_letter("ingestor.sync-requests.v1") == "ingestor.sync-requests.v1.dlq"


def test_snapshot_topics_exist_for_all_six_platforms() -> None:
    assert len(Platform) == 6
    assert len(topics.SNAPSHOT_TOPICS) == 6
    every = set(topics.all_topics())
    for platform in Platform:
        name = topics.snapshots(platform)
        assert name == f"ingestor.snapshots.{platform.value}.v1"
        assert name in topics.SNAPSHOT_TOPICS
        assert name in every


def test_topic_names_are_unique() -> None:
    every = topics.all_topics()
    assert len(every) == len(set(every))


def test_fixed_topics_are_registered() -> None:
    main = set(_main_topics())
    for name in (
        topics.CONNECTIONS,
        topics.SYNC_REQUESTS,
        topics.SYNC_FAILURES,
        topics.METRICS_UPDATED,
        topics.SIGNALS,
        topics.CRM_CLIENTS,
    ):
        assert name in main


def test_the_crm_topic_and_its_dead_letter_twin_are_created() -> None:
    every = topics.all_topics()
    assert topics.CRM_CLIENTS == "crm.clients.v1"
    assert {"crm.clients.v1", "crm.clients.v1.dlq"} <= set(every)


def test_names_follow_service_what_version() -> None:
    for topic in _main_topics():
        assert _NAME.match(topic), topic


def test_the_signals_topic_belongs_to_analytics() -> None:
    assert topics.SIGNALS == "analytics.signals.v1"
    assert {"analytics.signals.v1", "analytics.signals.v1.dlq"} <= set(topics.all_topics())
