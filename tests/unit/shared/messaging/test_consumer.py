"""The consuming policy (``shared.messaging.policy.settle``): dead-letter what cannot succeed,
redeliver the rest — for a handler of one event (``each``) as for a handler of a batch.

The policy on FastStream's ``TestKafkaBroker``, through the subscriptions services register, is
in ``test_routing.py``."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiokafka.errors import KafkaConnectionError
from sqlalchemy.exc import OperationalError

from shared.events import SyncReason, SyncRequested
from shared.messaging.consumer import INFRASTRUCTURE_ERRORS, DeadLetter, Delivery, backoff_seconds
from shared.messaging.policy import each, settle
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
    """A single message: a batch of one, handled by a handler of one event."""
    await settle(
        broker,
        [message],
        group_id=GROUP,
        parse=SyncRequested.model_validate_json,
        handle_batch=each(handler),
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

    await settle(
        broker,
        [make_message(b"whatever")],
        group_id=GROUP,
        parse=parse,
        handle_batch=each(Handler()),
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


# --- a batch handler: the same policy, record by record, for a handler that takes a batch ---------

Answer = BaseException | None


def make_record(offset: int, *, body: bytes | None = None) -> FakeMessage:
    """A record as ``settle`` reads it (``raw_message``, ``body``, ``correlation_id``)."""
    body = valid_body() if body is None else body
    return FakeMessage(
        body=body,
        correlation_id=f"corr-{offset}",
        raw_message=RawMessage(
            topic=TOPIC,
            partition=1,
            offset=offset,
            key=f"key-{offset}".encode(),
            value=body,
            headers=[("x-trace", f"trace-{offset}".encode())],
        ),
    )


def sync_id(record: FakeMessage) -> uuid.UUID:
    return SyncRequested.model_validate_json(record.body).sync_id


class BatchHandler:
    """Records each call's deliveries; answers per record from a script, or raises for a call.

    ``answers[sync_id][k]`` is the answer the k-th time that record is handled (``None`` once
    the script runs out); ``raises[n]`` is raised by the n-th call (1-based) instead.
    """

    def __init__(
        self,
        answers: dict[uuid.UUID, list[Answer]] | None = None,
        *,
        raises: dict[int, BaseException] | None = None,
        broker: FakeBroker | None = None,
    ) -> None:
        self.answers = answers or {}
        self.raises = raises or {}
        self.broker = broker
        self.calls: list[list[Delivery[SyncRequested]]] = []
        self.published_before_call: list[int] = []
        self.seen: dict[uuid.UUID, int] = {}

    async def __call__(self, deliveries: list[Delivery[SyncRequested]]) -> list[Answer]:
        self.calls.append(list(deliveries))
        if self.broker is not None:
            self.published_before_call.append(len(self.broker.published))
        error = self.raises.get(len(self.calls))
        if error is not None:
            raise error
        out: list[Answer] = []
        for delivery in deliveries:
            key = delivery.event.sync_id
            k = self.seen.get(key, 0)
            self.seen[key] = k + 1
            script = self.answers.get(key, [])
            out.append(script[k] if k < len(script) else None)
        return out

    def ids(self, call: int) -> list[uuid.UUID]:
        return [d.event.sync_id for d in self.calls[call]]


class OrderedSleeps(Sleeps):
    """Also notes how many messages were dead-lettered by the time each sleep began."""

    def __init__(self, broker: FakeBroker) -> None:
        super().__init__()
        self.broker = broker
        self.published_before: list[int] = []

    async def __call__(self, delay: float) -> None:
        self.published_before.append(len(self.broker.published))
        await super().__call__(delay)


async def run_batch(
    broker: FakeBroker,
    records: Sequence[FakeMessage],
    handler: Callable[[list[Delivery[SyncRequested]]], Awaitable[Sequence[Answer]]],
    sleep: Sleeps,
    *,
    max_attempts: int = 3,
) -> None:
    await settle(
        broker,
        records,
        group_id=GROUP,
        parse=SyncRequested.model_validate_json,
        handle_batch=handler,
        max_attempts=max_attempts,
        sleep=sleep,
    )


def dead_letters_by_offset(broker: FakeBroker) -> dict[str, Published]:
    return {p.headers["x-original-offset"]: p for p in broker.published}


async def test_batch_all_handled_in_one_call_publishes_nothing(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(5)]
    handler = BatchHandler()
    await run_batch(broker, records, handler, sleep)
    assert len(handler.calls) == 1
    assert handler.ids(0) == [sync_id(r) for r in records]  # all of them, in order
    assert broker.published == []
    assert sleep.delays == []


async def test_batch_deliveries_carry_the_parsed_event_and_the_records_correlation_id(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in (10, 11, 12)]
    handler = BatchHandler()
    await run_batch(broker, records, handler, sleep)
    (call,) = handler.calls
    assert [d.event for d in call] == [SyncRequested.model_validate_json(r.body) for r in records]
    assert [d.correlation_id for d in call] == ["corr-10", "corr-11", "corr-12"]


async def test_batch_unparseable_records_are_dead_lettered_before_the_handler_sees_the_rest(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    good_a, good_b = make_record(1), make_record(3)
    bad_a, bad_b = make_record(2, body=b"not json"), make_record(4, body=b"{}")
    handler = BatchHandler(broker=broker)
    await run_batch(broker, [good_a, bad_a, good_b, bad_b], handler, sleep)

    assert handler.ids(0) == [sync_id(good_a), sync_id(good_b)]
    assert handler.published_before_call == [2]  # both parked before the handler ran
    assert sleep.delays == []
    dead = dead_letters_by_offset(broker)
    assert set(dead) == {"2", "4"}
    for offset, record in (("2", bad_a), ("4", bad_b)):
        assert dead[offset].topic == f"{TOPIC}.dlq"
        assert dead[offset].body == record.body
        assert dead[offset].key == record.raw_message.key
        assert dead[offset].correlation_id == record.correlation_id
        assert dead[offset].headers["x-dlq-reason"] == "invalid"
        assert dead[offset].headers["x-dlq-error"].startswith("ValidationError")
        assert dead[offset].headers["x-consumer-group"] == GROUP
        assert dead[offset].headers["x-trace"] == f"trace-{offset}"


async def test_batch_of_only_unparseable_records_never_calls_the_handler(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    handler = BatchHandler()
    await run_batch(broker, [make_record(1, body=b"nope")], handler, sleep)
    assert handler.calls == []
    assert [p.headers["x-dlq-reason"] for p in broker.published] == ["invalid"]


async def test_batch_retries_only_the_records_that_failed(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(4)]
    handler = BatchHandler(
        {sync_id(records[1]): [ValueError("flaky")], sync_id(records[3]): [RuntimeError("flaky")]}
    )
    await run_batch(broker, records, handler, sleep)

    assert len(handler.calls) == 2
    assert handler.ids(0) == [sync_id(r) for r in records]
    assert handler.ids(1) == [sync_id(records[1]), sync_id(records[3])]  # exactly the failed ones
    assert [d.correlation_id for d in handler.calls[1]] == ["corr-1", "corr-3"]
    assert handler.calls[1] == [handler.calls[0][1], handler.calls[0][3]]
    assert sleep.delays == [backoff_seconds(1)]
    assert broker.published == []


async def test_batch_record_failing_every_attempt_is_dead_lettered_with_handler_error(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(3)]
    doomed, flaky = sync_id(records[0]), sync_id(records[2])
    handler = BatchHandler({doomed: [ValueError("cannot compute")] * 4, flaky: [ValueError("x")]})
    await run_batch(broker, records, handler, sleep, max_attempts=4)

    assert [handler.ids(n) for n in range(len(handler.calls))] == [
        [doomed, sync_id(records[1]), flaky],
        [doomed, flaky],
        [doomed],
        [doomed],
    ]
    # Backoff between attempts, none after the last one.
    assert sleep.delays == [backoff_seconds(1), backoff_seconds(2), backoff_seconds(3)]
    (dead,) = broker.published
    assert dead.topic == f"{TOPIC}.dlq"
    assert dead.body == records[0].body
    assert dead.correlation_id == "corr-0"
    assert dead.headers["x-dlq-reason"] == "handler_error"
    assert dead.headers["x-dlq-error"] == "ValueError: cannot compute"
    assert dead.headers["x-original-offset"] == "0"


async def test_batch_one_attempt_means_no_retry(broker: FakeBroker, sleep: Sleeps) -> None:
    records = [make_record(n) for n in range(2)]
    handler = BatchHandler({sync_id(records[1]): [ValueError("x")]})
    await run_batch(broker, records, handler, sleep, max_attempts=1)
    assert len(handler.calls) == 1
    assert sleep.delays == []
    assert {o: p.headers["x-dlq-reason"] for o, p in dead_letters_by_offset(broker).items()} == {
        "1": "handler_error"
    }


async def test_batch_dead_letter_answer_parks_the_record_at_once(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(3)]
    handler = BatchHandler({sync_id(records[1]): [DeadLetter("connection unknown")]})
    await run_batch(broker, records, handler, sleep)

    assert len(handler.calls) == 1  # not retried
    assert sleep.delays == []
    (dead,) = broker.published
    assert dead.headers["x-original-offset"] == "1"
    assert dead.headers["x-dlq-reason"] == "rejected"
    assert dead.headers["x-dlq-error"] == "DeadLetter: connection unknown"
    assert dead.correlation_id == "corr-1"


INFRA = [
    OperationalError("SELECT 1", {}, Exception("database is locked")),
    ConnectionError("broker unreachable"),
    TimeoutError("too slow"),
    KafkaConnectionError("no broker"),
    httpx.ConnectError("connector down"),
]
INFRA_IDS = ["sqlalchemy-operational", "connection", "timeout", "kafka", "httpx-transport"]


def test_the_infrastructure_examples_are_infrastructure_errors() -> None:
    assert all(isinstance(error, INFRASTRUCTURE_ERRORS) for error in INFRA)


@pytest.mark.parametrize("error", INFRA, ids=INFRA_IDS)
async def test_batch_infrastructure_error_answered_nacks_the_batch_after_settling_the_others(
    broker: FakeBroker, error: Exception
) -> None:
    sleep = OrderedSleeps(broker)
    ok, rejected, unavailable, failed, also_failed = (make_record(n) for n in range(5))
    handler = BatchHandler(
        {
            sync_id(rejected): [DeadLetter("no")],
            sync_id(unavailable): [error],
            sync_id(failed): [ValueError("bad")],
            sync_id(also_failed): [ValueError("bad")],
        }
    )
    with pytest.raises(type(error)) as raised:
        await run_batch(
            broker, [ok, rejected, unavailable, failed, also_failed], handler, sleep, max_attempts=1
        )

    assert raised.value is error
    assert len(handler.calls) == 1  # not retried in place: the batch is nacked and redelivered
    assert {o: p.headers["x-dlq-reason"] for o, p in dead_letters_by_offset(broker).items()} == {
        "1": "rejected",
        "3": "handler_error",
        "4": "handler_error",
    }
    # It backs off (so a redelivery loop is not a busy loop), after the others were parked.
    assert sleep.delays == [backoff_seconds(1, base=1.0)]
    assert sleep.published_before == [3]


async def test_batch_infrastructure_error_answered_on_a_retry_keeps_the_retry_backoff(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(2)]
    handler = BatchHandler({sync_id(records[0]): [ValueError("flaky"), ConnectionError("down")]})
    with pytest.raises(ConnectionError):
        await run_batch(broker, records, handler, sleep)
    assert [len(call) for call in handler.calls] == [2, 1]
    assert sleep.delays == [backoff_seconds(1), backoff_seconds(2, base=1.0)]
    assert broker.published == []


async def test_batch_record_answered_with_a_non_exception_is_not_dead_lettered(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    """A cancelled record (``gather(return_exceptions=True)``) is redelivered, not parked."""
    records = [make_record(n) for n in range(2)]
    cancelled = asyncio.CancelledError()
    handler = BatchHandler({sync_id(records[0]): [cancelled]})
    with pytest.raises(asyncio.CancelledError):
        await run_batch(broker, records, handler, sleep, max_attempts=1)
    assert broker.published == []
    assert sleep.delays == [backoff_seconds(1, base=1.0)]


async def test_batch_infrastructure_error_raised_by_the_handler_backs_off_then_nacks(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(3)]
    error = OperationalError("SELECT 1", {}, Exception("database is down"))
    handler = BatchHandler(raises={1: error})
    with pytest.raises(OperationalError) as raised:
        await run_batch(broker, records, handler, sleep)
    assert raised.value is error
    assert len(handler.calls) == 1
    assert broker.published == []
    assert sleep.delays == [backoff_seconds(1, base=1.0)]


async def test_batch_infrastructure_error_raised_on_a_retry_keeps_what_was_settled(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(3)]
    handler = BatchHandler(
        {sync_id(records[0]): [DeadLetter("no")], sync_id(records[1]): [ValueError("flaky")]},
        raises={2: OperationalError("SELECT 1", {}, Exception("gone"))},
    )
    with pytest.raises(OperationalError):
        await run_batch(broker, records, handler, sleep)
    assert handler.ids(1) == [sync_id(records[1])]
    assert [
        (p.headers["x-original-offset"], p.headers["x-dlq-reason"]) for p in broker.published
    ] == [("0", "rejected")]
    assert sleep.delays[:1] == [backoff_seconds(1)]  # the retry's backoff (see the test above)


async def test_batch_handler_raising_counts_every_record_as_failed_then_retries_them(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(3)]
    handler = BatchHandler(raises={1: RuntimeError("batch blew up")})
    await run_batch(broker, records, handler, sleep)
    assert len(handler.calls) == 2
    assert handler.ids(1) == handler.ids(0) == [sync_id(r) for r in records]
    assert sleep.delays == [backoff_seconds(1)]
    assert broker.published == []


async def test_batch_handler_raising_every_time_dead_letters_every_record(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(3)]
    handler = BatchHandler(raises={n: ValueError("always") for n in range(1, 10)})
    await run_batch(broker, records, handler, sleep, max_attempts=2)
    assert len(handler.calls) == 2
    assert sleep.delays == [backoff_seconds(1)]
    dead = dead_letters_by_offset(broker)
    assert set(dead) == {"0", "1", "2"}
    assert {p.headers["x-dlq-reason"] for p in dead.values()} == {"handler_error"}
    assert {p.headers["x-dlq-error"] for p in dead.values()} == {"ValueError: always"}
    assert [dead[str(n)].correlation_id for n in range(3)] == ["corr-0", "corr-1", "corr-2"]


async def test_batch_handler_raising_dead_letter_rejects_every_record(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    records = [make_record(n) for n in range(2)]
    handler = BatchHandler(raises={1: DeadLetter("not for us")})
    await run_batch(broker, records, handler, sleep)
    assert len(handler.calls) == 1
    assert sleep.delays == []
    assert [p.headers["x-dlq-reason"] for p in broker.published] == ["rejected", "rejected"]


async def test_batch_handler_error_text_in_headers_is_redacted(
    broker: FakeBroker, sleep: Sleeps
) -> None:
    record = make_record(0)
    handler = BatchHandler({sync_id(record): [ValueError("GET /me?access_token=SECRET failed")]})
    await run_batch(broker, [record], handler, sleep, max_attempts=1)
    (dead,) = broker.published
    assert "SECRET" not in dead.headers["x-dlq-error"]
