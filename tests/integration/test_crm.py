"""Clients from the CRM's topic, and a history import, on the running system (SQLite and
PostgreSQL, real broker).

The CRM is played by this test: it publishes to ``crm.clients.v1`` as the CRM's developers are
told to (README §6), including a message that breaks a rule, which analytics dead-letters
before it goes on with the next ones.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.analytics.history import DaySource
from shared import clock
from shared.events import AccountSnapshot, MetricsUpdated
from shared.messaging import topics
from shared.platforms import Platform
from tests.integration.test_syncs import admin_headers
from tests.support.kafka import read_topics
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_the_crm_topic_fills_the_program_and_a_bad_message_is_dead_lettered(
    system: RunningSystem,
) -> None:
    client_id = f"crm-{uuid.uuid4().hex[:6]}"
    hour_ago = clock.now() - timedelta(hours=1)

    def _at(minutes: int) -> str:
        """When the CRM changed the record: minutes after an hour ago."""
        return (hour_ago + timedelta(minutes=minutes)).isoformat()

    broker = system.apps["analytics"].state.runtime.broker
    messages: list[dict[str, Any] | bytes] = [
        {
            "type": "client.upserted",
            "client_id": client_id,
            "name": "Dana Example",
            "email": "dana@example.com",
            "timezone": "Europe/Berlin",
            "program_start": "2026-09-01",
            "program_end": "2026-12-31",
            "follower_goal": 15000,
            "updated_at": _at(1),
        },
        {
            "type": "deliverable.upserted",
            "client_id": client_id,
            "code": "M1",
            "title": "Brand audit",
            "due_on": "2026-09-15",
            "completed_on": "2026-09-14",
            "updated_at": _at(2),
        },
        # Breaks a rule (no such zone): dead-lettered, and the consumer goes on.
        {
            "type": "client.upserted",
            "client_id": client_id,
            "name": "Dana Broken",
            "email": "dana@example.com",
            "timezone": "Mars/Olympus",
            "program_start": "2026-09-01",
            "program_end": "2026-12-31",
            "updated_at": _at(3),
        },
        b'{"type": "client.upserted", "client_id": "',  # not even JSON
        {
            "type": "deliverable.upserted",
            "client_id": client_id,
            "code": "M2",
            "title": "Content calendar",
            "due_on": "2026-10-15",
            "updated_at": _at(4),
        },
        # An older version of the client, arriving late: changes nothing.
        {
            "type": "client.upserted",
            "client_id": client_id,
            "name": "Dana Old",
            "email": "old@example.com",
            "timezone": "UTC",
            "program_start": "2026-08-01",
            "program_end": "2026-12-31",
            "updated_at": _at(0),
        },
        {
            "type": "deliverable.removed",
            "client_id": client_id,
            "code": "M1",
            "updated_at": _at(5),
        },
        {
            "type": "deliverable.upserted",
            "client_id": client_id,
            "code": "M3",
            "title": "Launch",
            "due_on": "2026-11-30",
            "updated_at": _at(6),
        },
    ]
    for message in messages:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        await broker.publish(body, topics.CRM_CLIENTS, key=client_id.encode())

    async with system.client("analytics") as analytics:

        async def program() -> Any:
            answer = await analytics.get(
                f"/api/admin/social/clients/{client_id}/program", headers=admin_headers()
            )
            if answer.status_code != 200:
                return None
            body = answer.json()
            return body if [d["code"] for d in body["deliverables"]] == ["M2", "M3"] else None

        found = await eventually(program)
    assert {k: found[k] for k in ("name", "email", "timezone", "follower_goal")} == {
        "name": "Dana Example",
        "email": "dana@example.com",
        "timezone": "Europe/Berlin",
        "follower_goal": 15000,
    }
    assert (found["program_start"], found["program_end"]) == ("2026-09-01", "2026-12-31")
    assert datetime.fromisoformat(found["updated_at"]) == datetime.fromisoformat(_at(1))
    assert [(d["code"], d["title"], d["completed_on"]) for d in found["deliverables"]] == [
        ("M2", "Content calendar", None),
        ("M3", "Launch", None),
    ]

    key = client_id.encode()
    parked = await read_topics(
        system.kafka,
        [topics.dead_letter(topics.CRM_CLIENTS)],
        until=lambda rs: sum(r.key == key for r in rs) >= 2,
    )
    broken, garbage = [r for r in parked if r.key == key]
    assert {broken.headers["x-consumer-group"], garbage.headers["x-consumer-group"]} == {
        "analytics.crm"
    }
    assert broken.headers["x-dlq-reason"] == garbage.headers["x-dlq-reason"] == "invalid"
    assert "timezone" in broken.headers["x-dlq-error"]
    assert json.loads(broken.value)["name"] == "Dana Broken"  # the message as it came
    assert garbage.value == messages[3]


async def test_an_import_is_stored_derived_and_published_as_imported(
    system: RunningSystem,
) -> None:
    """A TikTok account (no platform history) with one live day; its earlier week imported."""
    client_id = f"import-{uuid.uuid4().hex[:6]}"
    connection_id = uuid.uuid4()
    today = clock.today()
    publisher = system.apps["analytics"].state.analytics.runtime.publisher
    live = AccountSnapshot(
        connection_id=connection_id,
        client_id=client_id,
        platform=Platform.TIKTOK,
        platform_user_id="tt-import",
        username="@imported",
        snapshot_date=today,
        fetched_at=datetime.combine(today, datetime.min.time(), UTC).replace(hour=3),
        followers=1000,
    )
    await publisher.publish(topics.snapshots(Platform.TIKTOK), live, key=str(connection_id))
    week_ago = today - timedelta(days=7)
    csv = (
        "date,followers,posts\n"
        f"{week_ago.isoformat()},900,30\n"
        f"{(week_ago - timedelta(days=1)).isoformat()},880,29\n"
        f"{today.isoformat()},999,31\n"  # the live day: skipped
    )
    path = f"/api/admin/social/clients/{client_id}/connections/{connection_id}/import"
    async with system.client("analytics") as analytics:

        async def imported() -> Any:
            answer = await analytics.post(
                path, content=csv, headers={**admin_headers(), "Content-Type": "text/csv"}
            )
            return answer if answer.status_code == 200 else None  # 404 until the live day

        answer = (await eventually(imported)).json()
        assert answer["imported"] == 2
        assert answer["skipped_platform_days"] == [today.isoformat()]
        history = await analytics.get(
            f"/api/admin/social/clients/{client_id}/tiktok/metrics",
            params={"from": (today - timedelta(days=10)).isoformat()},
            headers=admin_headers(),
        )
    days = {date.fromisoformat(d["date"]): d for d in history.json()["days"]}
    assert [(d, days[d]["source"], days[d]["followers"]) for d in sorted(days)] == [
        (week_ago - timedelta(days=1), DaySource.IMPORT.value, 880),
        (week_ago, DaySource.IMPORT.value, 900),
        (today, DaySource.LIVE.value, 1000),
    ]
    assert (days[today]["followers_change_7d"], days[today]["growth_pct_7d"]) == (100, 11.11)

    # Analysts see the imported days marked, at the import's revision.
    key = str(connection_id).encode()
    records = await read_topics(
        system.kafka,
        [topics.METRICS_UPDATED],
        until=lambda rs: (
            sum(1 for r in rs if r.key == key and b'"imported":true' in r.value.replace(b" ", b""))
            >= 2
        ),
    )
    events = [MetricsUpdated.model_validate_json(r.value) for r in records if r.key == key]
    revision = answer["revision"]
    assert sorted(
        (e.metrics_date, e.imported, e.followers) for e in events if e.revision == revision
    ) == [
        (week_ago - timedelta(days=1), True, 880),
        (week_ago, True, 900),
        (today, False, 1000),
    ]
