"""Event schemas: JSON round trips, the connection-event union, forward compatibility."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from shared.events import (
    AccountSnapshot,
    ConnectionEstablished,
    ConnectionRemoved,
    ContentItem,
    Event,
    MetricsUpdated,
    ReauthorizationRequired,
    SignalRaised,
    SyncReason,
    SyncRequested,
    connection_event_adapter,
)
from shared.platforms import Platform

CONNECTION_ID = uuid.UUID("6f1c2c1e-5d0b-4f55-9a36-3f4b8a1e2d77")
AT = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)


def _established() -> ConnectionEstablished:
    return ConnectionEstablished(
        connection_id=CONNECTION_ID,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        platform_user_id="17841000000000001",
        username="steady_creator",
        connected_at=AT,
        reconnected=True,
    )


def _removed() -> ConnectionRemoved:
    return ConnectionRemoved(
        connection_id=CONNECTION_ID, client_id="c-1", platform=Platform.TIKTOK, purge_history=True
    )


def _reauth() -> ReauthorizationRequired:
    return ReauthorizationRequired(
        connection_id=CONNECTION_ID, client_id="c-1", platform=Platform.YOUTUBE, reason="revoked"
    )


def _snapshot() -> AccountSnapshot:
    return AccountSnapshot(
        connection_id=CONNECTION_ID,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        platform_user_id="17841000000000001",
        username="steady_creator",
        snapshot_date=date(2026, 11, 20),
        fetched_at=AT,
        followers=12_345,
        following=410,
        posts=87,
        engagement_rate=3.1416,
        engagement_formula="(likes + comments) / followers",
        platform_metrics={"reach_7d": 1234.0, "saves": 0.5},
        recent_items=[
            ContentItem(
                item_id="18001000000000042",
                kind="reel",
                published_at=AT,
                url="https://www.instagram.com/reel/Cabc/",
                caption="Day 42 🎉",
                likes=300,
                comments=12,
                engagement_rate=2.5272,
            ),
            ContentItem(item_id="18001000000000041", kind="post"),
        ],
        missing_metrics=["insights:reach"],
    )


def _metrics() -> MetricsUpdated:
    return MetricsUpdated(
        connection_id=CONNECTION_ID,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        username="steady_creator",
        metrics_date=date(2026, 11, 20),
        followers=12_345,
        followers_change_1d=-3,
        followers_change_7d=None,
        growth_pct_30d=12.5,
        engagement_rate=3.1416,
        posts=87,
    )


def _sync() -> SyncRequested:
    return SyncRequested(
        connection_id=CONNECTION_ID,
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        reason=SyncReason.INITIAL,
        backfill=True,
    )


def _signal() -> SignalRaised:
    return SignalRaised(
        client_id="c-1",
        connection_id=CONNECTION_ID,
        platform=Platform.INSTAGRAM,
        username="steady_creator",
        kind="surge",
        day=date(2026, 11, 20),
        key="surge:2026-11-20",
        numbers={"recent_median_gain": 30.0, "baseline_gains": 28, "spread": 2.9652},
        raised_at=AT,
    )


EVENTS = [_established, _removed, _reauth, _snapshot, _metrics, _sync, _signal]


@pytest.mark.parametrize("make", EVENTS, ids=lambda f: f.__name__.strip("_"))
def test_every_event_round_trips_through_json(make: Callable[[], Event]) -> None:
    event = make()
    parsed = type(event).model_validate_json(event.model_dump_json())
    assert parsed == event
    assert parsed.event_id == event.event_id
    assert parsed.occurred_at == event.occurred_at


@pytest.mark.parametrize("make", EVENTS, ids=lambda f: f.__name__.strip("_"))
def test_every_event_names_its_type(make: Callable[[], Event]) -> None:
    payload = json.loads(make().model_dump_json())
    assert isinstance(payload["type"], str)
    assert payload["type"]
    assert payload["schema_version"] == 1


def test_event_ids_default_to_unique_values() -> None:
    assert _sync().event_id != _sync().event_id


def test_events_are_immutable() -> None:
    event = _sync()
    with pytest.raises(ValidationError):
        event.client_id = "someone-else"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "cls"),
    [
        (_established, ConnectionEstablished),
        (_removed, ConnectionRemoved),
        (_reauth, ReauthorizationRequired),
    ],
)
def test_connection_union_picks_the_right_class(
    make: Callable[[], Event], cls: type[Event]
) -> None:
    event = make()
    parsed = connection_event_adapter.validate_json(event.model_dump_json())
    assert type(parsed) is cls
    assert parsed == event


def test_connection_union_uses_the_discriminator_not_the_shape() -> None:
    # A removal carrying every field of an establishment is still a removal.
    payload = json.loads(_established().model_dump_json())
    payload["type"] = "connection.removed"
    parsed = connection_event_adapter.validate_python(payload)
    assert isinstance(parsed, ConnectionRemoved)
    assert parsed.purge_history is False


def test_connection_union_refuses_unknown_types() -> None:
    payload = json.loads(_removed().model_dump_json())
    payload["type"] = "connection.teleported"
    with pytest.raises(ValidationError):
        connection_event_adapter.validate_python(payload)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    payload = json.loads(_snapshot().model_dump_json())
    payload["schema_version"] = 2
    payload["brand_new_metric"] = 99
    payload["recent_items"][0]["hologram_views"] = 7
    parsed = AccountSnapshot.model_validate(payload)
    assert parsed.schema_version == 2
    assert parsed.followers == 12_345
    assert not hasattr(parsed, "brand_new_metric")
    assert "hologram_views" not in parsed.recent_items[0].model_dump()

    connection = json.loads(_established().model_dump_json())
    connection["added_in_v1_3"] = {"nested": True}
    established = connection_event_adapter.validate_json(json.dumps(connection))
    assert isinstance(established, ConnectionEstablished)
    assert "added_in_v1_3" not in established.model_dump()


@pytest.mark.parametrize("raw", [b"", b"not json", b'{"type": "snapshot"', b"[]", b"null"])
def test_malformed_json_raises_validation_error(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        AccountSnapshot.model_validate_json(raw)
    with pytest.raises(ValidationError):
        connection_event_adapter.validate_json(raw)


@pytest.mark.parametrize("field", ["connection_id", "client_id", "platform", "reason"])
def test_missing_required_field_raises_validation_error(field: str) -> None:
    payload = json.loads(_sync().model_dump_json())
    del payload[field]
    with pytest.raises(ValidationError) as raised:
        SyncRequested.model_validate_json(json.dumps(payload))
    assert any(error["loc"] == (field,) for error in raised.value.errors())


def test_missing_field_in_connection_union_raises() -> None:
    payload = json.loads(_established().model_dump_json())
    del payload["username"]
    with pytest.raises(ValidationError):
        connection_event_adapter.validate_json(json.dumps(payload))


def test_unknown_platform_is_refused() -> None:
    payload = json.loads(_sync().model_dump_json())
    payload["platform"] = "myspace"
    with pytest.raises(ValidationError):
        SyncRequested.model_validate(payload)


def test_connection_events_never_carry_tokens() -> None:
    for cls in (ConnectionEstablished, ConnectionRemoved, ReauthorizationRequired):
        assert not [name for name in cls.model_fields if "token" in name or "secret" in name]


def test_caption_length_is_bounded() -> None:
    with pytest.raises(ValidationError):
        ContentItem(item_id="1", kind="post", caption="x" * 2201)
