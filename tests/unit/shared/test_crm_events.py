"""The CRM's events (topic ``crm.clients.v1``): what parses, and what is refused and why.

The suite's clock starts at 2026-11-20 12:00 UTC (and runs), so the latest completion day is
2026-11-21, the latest date 2027-11-20, and ``updated_at`` may be at most 5 minutes ahead.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from shared import clock
from shared.events import (
    ClientUpserted,
    DeliverableRemoved,
    DeliverableUpserted,
    crm_event_adapter,
)
from shared.events.crm import deliverable_number
from tests.support.clock import PINNED, TODAY


def _client(**changes: Any) -> dict[str, Any]:
    return {
        "type": "client.upserted",
        "client_id": "c-42",
        "name": "Dana Example",
        "email": "dana@example.com",
        "timezone": "Europe/Berlin",
        "program_start": "2026-09-01",
        "program_end": "2026-12-31",
        "follower_goal": 15_000,
        "updated_at": "2026-11-20T09:30:00+01:00",
        **changes,
    }


def _deliverable(**changes: Any) -> dict[str, Any]:
    return {
        "type": "deliverable.upserted",
        "client_id": "c-42",
        "code": "M2",
        "title": "Content calendar",
        "due_on": "2026-10-15",
        "completed_on": "2026-10-14",
        "updated_at": "2026-11-20T08:30:00Z",
        **changes,
    }


def _errors(payload: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as raised:
        crm_event_adapter.validate_json(json.dumps(payload))
    return [dict(e) for e in raised.value.errors()]


def test_a_client_event_parses_to_its_class_with_its_values() -> None:
    event = crm_event_adapter.validate_json(json.dumps(_client()))
    assert isinstance(event, ClientUpserted)
    assert (event.program_start, event.program_end) == (date(2026, 9, 1), date(2026, 12, 31))
    assert event.follower_goal == 15_000
    # 09:30 at UTC+1 is 08:30 UTC: an instant, whatever offset the CRM writes it with.
    assert event.updated_at == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert event.schema_version == 1  # filled in when the CRM leaves it out


def test_deliverable_events_parse_to_their_classes() -> None:
    upserted = crm_event_adapter.validate_json(json.dumps(_deliverable()))
    assert isinstance(upserted, DeliverableUpserted)
    assert upserted.completed_on == date(2026, 10, 14)
    removed = crm_event_adapter.validate_python(
        {"type": "deliverable.removed", "client_id": "c-42", "code": "M2",
         "updated_at": "2026-11-20T08:31:00Z"}
    )  # fmt: skip
    assert isinstance(removed, DeliverableRemoved)
    assert removed.code == "M2"


def test_the_goal_and_completion_are_optional() -> None:
    payload = _client()
    del payload["follower_goal"]
    client = crm_event_adapter.validate_python(payload)
    assert isinstance(client, ClientUpserted) and client.follower_goal is None
    payload = _deliverable()
    del payload["completed_on"]
    deliverable = crm_event_adapter.validate_python(payload)
    assert isinstance(deliverable, DeliverableUpserted) and deliverable.completed_on is None


def test_unknown_fields_are_ignored_and_events_round_trip() -> None:
    event = crm_event_adapter.validate_python(_client(coach="Sam", schema_version=2))
    assert "coach" not in event.model_dump()
    assert crm_event_adapter.validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "timezone"),
        ({"timezone": "europe/berlin"}, "timezone", "timezone"),
        ({"timezone": "localtime"}, "timezone", "timezone"),
        ({"email": "dana.example.com"}, "email", "email"),
        ({"email": "dana@localhost"}, "email", "email"),
        ({"follower_goal": 0}, "follower_goal", "greater_than"),
        ({"follower_goal": -5}, "follower_goal", "greater_than"),
        ({"name": "   "}, "name", "string_too_short"),
        ({"client_id": ""}, "client_id", "string_too_short"),
        ({"program_end": "2026-09-01"}, None, "program_dates"),
        ({"program_end": "2026-08-31"}, None, "program_dates"),
        ({"program_start": "1999-12-31"}, "program_start", "date_out_of_range"),
        ({"program_end": "2027-11-21"}, "program_end", "date_out_of_range"),
        ({"updated_at": "2026-11-20T09:30:00"}, "updated_at", "timezone_aware"),
        ({"updated_at": "1999-12-31T23:59:59Z"}, "updated_at", "date_out_of_range"),
    ],
)
def test_a_client_event_breaking_a_rule_is_refused_naming_it(
    changes: dict[str, Any], field: str | None, kind: str
) -> None:
    [error] = _errors(_client(**changes))
    assert error["loc"] == ("client.upserted", *([field] if field else []))
    assert error["type"] == kind


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"code": "m1"}, "code", "string_pattern_mismatch"),
        ({"code": "M0"}, "code", "string_pattern_mismatch"),
        ({"code": "M01"}, "code", "string_pattern_mismatch"),
        ({"code": "M1000"}, "code", "string_pattern_mismatch"),
        ({"code": "Milestone 1"}, "code", "string_pattern_mismatch"),
        ({"title": ""}, "title", "string_too_short"),
        ({"due_on": "0001-01-01"}, "due_on", "date_out_of_range"),
        ({"completed_on": "2026-11-22"}, "completed_on", "completed_in_future"),
        ({"completed_on": "1999-12-31"}, "completed_on", "date_out_of_range"),
    ],
)
def test_a_deliverable_event_breaking_a_rule_is_refused_naming_it(
    changes: dict[str, Any], field: str, kind: str
) -> None:
    [error] = _errors(_deliverable(**changes))
    assert error["loc"] == ("deliverable.upserted", field)
    assert error["type"] == kind


def test_the_edges_of_the_rules_are_accepted() -> None:
    # One day of program, the latest updated_at (now + 5 min), completion tomorrow, M999.
    client = crm_event_adapter.validate_python(
        _client(
            program_start="2026-12-30",
            program_end="2026-12-31",
            follower_goal=1,
            updated_at=(PINNED + timedelta(minutes=4)).isoformat(),
        )
    )
    assert isinstance(client, ClientUpserted)
    completed = TODAY + timedelta(days=1)
    deliverable = crm_event_adapter.validate_python(
        _deliverable(code="M999", completed_on=completed.isoformat(), due_on="2000-01-01")
    )
    assert isinstance(deliverable, DeliverableUpserted)
    assert deliverable.completed_on == date(2026, 11, 21)
    # A completion long before the program started is a fact, not an error.
    assert crm_event_adapter.validate_python(_deliverable(completed_on="2000-01-01"))


def test_updated_at_more_than_five_minutes_ahead_is_refused() -> None:
    # Relative to the running clock: the suite's clock has moved on since 12:00.
    ahead = clock.now() + timedelta(minutes=5, seconds=30)
    [error] = _errors(_client(updated_at=ahead.isoformat()))
    assert (error["loc"], error["type"]) == (
        ("client.upserted", "updated_at"),
        "updated_at_in_future",
    )
    assert crm_event_adapter.validate_python(
        _client(updated_at=(clock.now() + timedelta(minutes=4)).isoformat())
    )


def test_updated_at_in_another_offset_is_compared_as_an_instant() -> None:
    # 13:04 at UTC+1 is 12:04 UTC: within the 5 minutes; 13:04 at UTC-1 is 14:04 UTC: not.
    ahead = datetime(2026, 11, 20, 13, 4, tzinfo=timezone(timedelta(hours=1)))
    assert crm_event_adapter.validate_python(_client(updated_at=ahead.isoformat()))
    behind = datetime(2026, 11, 20, 13, 4, tzinfo=timezone(timedelta(hours=-1)))
    [error] = _errors(_client(updated_at=behind.isoformat()))
    assert error["type"] == "updated_at_in_future"


@pytest.mark.parametrize("kind", ["client.created", "connection.removed", None])
def test_an_unknown_event_type_is_refused(kind: str | None) -> None:
    payload = _client(type=kind)
    with pytest.raises(ValidationError):
        crm_event_adapter.validate_json(json.dumps(payload))


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"client.upserted"'])
def test_malformed_json_is_refused(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        crm_event_adapter.validate_json(raw)


def test_deliverables_sort_by_number() -> None:
    assert sorted(["M10", "M2", "M1"], key=deliverable_number) == ["M1", "M2", "M10"]
