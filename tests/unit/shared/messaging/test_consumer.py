"""The consuming policy of ``process``: dead-letter what cannot succeed, redeliver the rest."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy.exc import OperationalError

from shared.events import SyncReason, SyncRequested
from shared.messaging.consumer import DeadLetter, backoff_seconds, process
from shared.platforms import Platform

TOPIC = "ingestor.sync-requests.v1"
GROUP = "ingestor.sync-requests"
KEY = b"connection-key"


@dataclass
class Published:
    body: Any
    topic: str
    key: Any
    headers: dict[str, str]
    correlation_id: str | None


@dataclass
class FakeBroker:
    published: list[Published] = field(default_factory=list)

    async def publish(
        self,
        body: Any,
        topic: str,
        *,
        key: Any = None,
        headers: dict[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.published.append(Published(body, topic, key, dict(headers or {}), correlation_id))


@dataclass
class RawMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]


@dataclass
class FakeMessage:
    body: bytes
    correlation_id: str
    raw_message: RawMessage


def make_message(body: bytes, headers: list[tuple[str, bytes | None]] | None = None) -> FakeMessage:
    return FakeMessage(
        body=body,
        correlation_id="corr-123",
        raw_message=RawMessage(
            topic=TOPIC,
            partition=3,
            offset=4711,
            key=KEY,
            value=body,
            headers=headers if headers is not None else [("x-trace", b"abc")],
        ),
    )


def valid_body() -> bytes:
    event = SyncRequested(
        connection_id=uuid.uuid4(),
        client_id="c-1",
        platform=Platform.INSTAGRAM,
        reason=SyncReason.DAILY,
    )
    return event.model_dump_json().encode()


class Handler:
    """Records its calls; raises the queued errors first, then succeeds."""

    def __init__(self, *errors: BaseException, always: BaseException | None = None) -> None:
        self.errors = list(errors)
        self.always = always
        self.calls: list[SyncRequested] = []

    async def __call__(self, event: SyncRequested) -> None:
        self.calls.append(event)
        if self.always is not None:
            raise self.always
        if self.errors:
            raise self.errors.pop(0)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def run(
    broker: FakeBroker,
    message: FakeMessage,
    handler: Handler,
    sleep: Sleeps,
    *,
    max_attempts: int = 3,
) -> None:
    await process(
        cast(KafkaBroker, broker),
        message,
        group_id=GROUP,
        parse=SyncRequested.model_validate_json,
        handle=handler,
        max_attempts=max_attempts,
        sleep=sleep,
    )


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def sleep() -> Sleeps:
    return Sleeps()


async def test_success_publishes_nothing(broker: FakeBroker, sleep: Sleeps) -> None:
    handler = Handler()
    message = make_message(valid_body())
    await run(broker, message, handler, sleep)
    assert len(handler.calls) == 1
    assert handler.calls[0] == SyncRequested.model_validate_json(message.body)
    assert broker.published == []
    assert sleep.delays == []


@pytest.mark.parametrize(
    "body", [b"not json at all", b"{}", b'{"type": "sync.requested", "platform": "myspace"}']
)
async def test_unparseable_message_is_dead_lettered_without_calling_the_handler(
    broker: FakeBroker, sleep: Sleeps, body: bytes
) -> None:
    handler = Handler()
    await run(broker, make_message(body), handler, sleep)

    assert handler.calls == []
    assert sleep.delays == []
    (dead,) = broker.published
    assert dead.topic == f"{TOPIC}.dlq"
    assert dead.body == body  # the original bytes, untouched
    assert dead.key == KEY
    assert dead.correlation_id == "corr-123"
    assert dead.headers["x-dlq-reason"] == "invalid"
    assert dead.headers["x-original-topic"] == TOPIC
    assert dead.headers["x-original-partition"] == "3"
    assert dead.headers["x-original-offset"] == "4711"
    assert dead.headers["x-consumer-group"] == GROUP
    assert dead.headers["x-dlq-error"].startswith("ValidationError")
    assert dead.headers["x-trace"] == "abc"  # original headers travel along


async def test_handler_that_always_fails_is_retried_then_dead_lettered(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    handler = Handler(always=ValueError("cannot compute"))
    await run(broker, make_message(valid_body()), handler, sleep, max_attempts=4)

    assert len(handler.calls) == 4
    # Backoff between attempts, none after the last one.
    assert sleep.delays == [backoff_seconds(1), backoff_seconds(2), backoff_seconds(3)]
    assert sleep.delays == sorted(sleep.delays)
    (dead,) = broker.published
    assert dead.topic == f"{TOPIC}.dlq"
    assert dead.headers["x-dlq-reason"] == "handler_error"
    assert dead.headers["x-dlq-error"] == "ValueError: cannot compute"
    assert dead.headers["x-original-offset"] == "4711"


async def test_one_attempt_means_no_retry(broker: FakeBroker, sleep: Sleeps) -> None:
    handler = Handler(always=RuntimeError("x"))
    await run(broker, make_message(valid_body()), handler, sleep, max_attempts=1)
    assert len(handler.calls) == 1
    assert sleep.delays == []
    assert [p.headers["x-dlq-reason"] for p in broker.published] == ["handler_error"]


async def test_handler_that_fails_once_then_succeeds_is_not_dead_lettered(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    handler = Handler(ValueError("flaky"))
    await run(broker, make_message(valid_body()), handler, sleep)
    assert len(handler.calls) == 2
    assert handler.calls[0] == handler.calls[1]
    assert len(sleep.delays) == 1
    assert broker.published == []


async def test_dead_letter_exception_parks_the_message_at_once(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    handler = Handler(always=DeadLetter("connection unknown"))
    await run(broker, make_message(valid_body()), handler, sleep)
    assert len(handler.calls) == 1
    assert sleep.delays == []
    (dead,) = broker.published
    assert dead.headers["x-dlq-reason"] == "rejected"
    assert "connection unknown" in dead.headers["x-dlq-error"]


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, Exception("database is locked")),
        ConnectionError("broker unreachable"),
        TimeoutError("too slow"),
    ],
    ids=["sqlalchemy-operational", "connection", "timeout"],
)
async def test_infrastructure_errors_are_reraised_not_dead_lettered(
    broker: FakeBroker, sleep: Sleeps, error: Exception
) -> None:
    handler = Handler(always=error)
    with pytest.raises(type(error)):
        await run(broker, make_message(valid_body()), handler, sleep)
    assert len(handler.calls) == 1  # not retried in place: the message is nacked and redelivered
    assert len(sleep.delays) == 1  # but backs off first so a redelivery loop is not a busy loop
    assert broker.published == []


async def test_error_text_in_headers_is_redacted(broker: FakeBroker, sleep: Sleeps) -> None:
    handler = Handler(always=ValueError("GET /me?access_token=SECRET failed, Bearer SECRETBEARER"))
    await run(broker, make_message(valid_body()), handler, sleep, max_attempts=1)
    (dead,) = broker.published
    assert "SECRET" not in dead.headers["x-dlq-error"]
    assert dead.headers["x-dlq-error"].startswith("ValueError: GET /me?access_token=")


async def test_parse_error_text_in_headers_is_redacted(broker: FakeBroker, sleep: Sleeps) -> None:
    def parse(_: bytes) -> SyncRequested:
        raise ValueError("bad payload for access_token=SECRET")

    await process(
        cast(KafkaBroker, broker),
        make_message(b"whatever"),
        group_id=GROUP,
        parse=parse,
        handle=Handler(),
        max_attempts=3,
        sleep=sleep,
    )
    (dead,) = broker.published
    assert dead.headers["x-dlq-reason"] == "invalid"
    assert "SECRET" not in dead.headers["x-dlq-error"]


async def test_long_error_text_is_truncated(broker: FakeBroker, sleep: Sleeps) -> None:
    handler = Handler(always=ValueError("x" * 5000))
    await run(broker, make_message(valid_body()), handler, sleep, max_attempts=1)
    assert len(broker.published[0].headers["x-dlq-error"]) == 1000


async def test_null_header_value_does_not_block_dead_lettering(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    message = make_message(b"not json", headers=[("x-trace", b"abc"), ("x-null", None)])
    await run(broker, message, Handler(), sleep)
    (dead,) = broker.published
    assert dead.headers["x-dlq-reason"] == "invalid"


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_seconds(n) for n in range(1, 12)]
    assert delays[0] == 0.2
    assert delays[1] == 0.4
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert max(delays) == 30.0
    assert backoff_seconds(3, base=1.0, cap=2.5) == 2.5
