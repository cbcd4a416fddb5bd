"""Registering a service's handlers: one FastStream ``KafkaRouter`` per service, the delivery
policy (:mod:`shared.messaging.policy`) on every subscription.

A handler is a plain module-level async function typed with its event and the service's context::

    async def on_metrics(event: MetricsUpdated, context: ContextDep) -> None: ...

or, when it gains from doing its reads and writes once per batch, typed with
``list[Delivery[Event]]`` and answering, per delivery and in order, ``None`` or the error it met.
The first parameter's annotation is the schema each record is parsed with — by the policy, so
that a record that does not parse is dead-lettered alone — and the context arrives through
FastStream's context, ``Annotated[ServiceContext, Context(SERVICE)]``.

A service's ``handlers.register(context)`` builds its router and ``create_app`` includes it in the
runtime's broker. Routers are built per app, not at import: a FastStream router belongs to one
broker, and one process may hold several apps of a service (tests run two replicas at once).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, get_args, get_origin, get_type_hints

from faststream import AckPolicy, BaseMiddleware, ContextRepo
from faststream.kafka import KafkaRouter
from faststream.message import StreamMessage
from pydantic import TypeAdapter

from shared.messaging.consumer import Delivery
from shared.messaging.policy import DeliveryPolicy, Subscription
from shared.settings import KafkaSettings

#: The FastStream context name a service's handlers find their service's context under.
SERVICE = "service"

Handler = Callable[..., Awaitable[Any]]


class _ServiceContext(BaseMiddleware):
    """Puts the service's context where its handlers' ``Context(SERVICE)`` looks."""

    def __init__(self, msg: Any, /, *, context: ContextRepo, service: object) -> None:
        super().__init__(msg, context=context)
        self.service = service

    async def consume_scope(
        self,
        call_next: Callable[[StreamMessage[Any]], Awaitable[Any]],
        msg: StreamMessage[Any],
    ) -> Any:
        with self.context.scope(SERVICE, self.service):
            return await call_next(msg)


def service_router(context: object) -> KafkaRouter:
    """An empty router whose handlers will be given ``context`` as ``Context(SERVICE)``."""
    return KafkaRouter(middlewares=(partial(_ServiceContext, service=context),))


def subscribe(
    router: KafkaRouter,
    handler: Handler,
    *topics: str,
    group_id: str,
    settings: KafkaSettings,
    max_records: int | None = None,
    concurrency: int = 1,
) -> None:
    """Subscribe ``handler`` on ``topics`` for consumer group ``group_id``, under the policy.

    A handler of ``list[Delivery[Event]]`` takes up to ``max_records`` records at once (their
    offsets are committed once every record is settled). A handler of one event with
    ``concurrency > 1``: one consumer takes up to that many records at a time and handles them
    concurrently, each on its own. (FastStream's ``max_workers`` would instead add one consumer
    per worker to the group, capped by the partition count and paid for in rebalances.)
    """
    event, takes_batch = event_type(handler)
    if takes_batch != (max_records is not None):
        raise TypeError(f"{handler.__name__}: a batch handler needs max_records, no other does")
    batch_size = max_records if takes_batch else (concurrency if concurrency > 1 else None)
    policy = Subscription(
        group_id=group_id,
        parse=TypeAdapter(event).validate_json,
        max_attempts=settings.consumer_max_attempts,
        takes_batch=takes_batch,
    )
    # A router per subscription: the policy middleware knows this subscription's group.
    subscription = KafkaRouter(middlewares=(DeliveryPolicy.of(policy),))
    subscription.subscriber(
        *topics,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset=settings.consumer_auto_offset_reset,
        batch=batch_size is not None,
        max_records=batch_size,
        decoder=_undecoded,
    )(handler)
    router.include_router(subscription)


def event_type(handler: Handler) -> tuple[Any, bool]:
    """The schema of ``handler``'s records, and whether it takes them as a batch."""
    first = next(iter(inspect.signature(handler).parameters))
    annotation = get_type_hints(handler, include_extras=True)[first]
    if get_origin(annotation) is not list:
        return annotation, False
    (item,) = get_args(annotation)
    if get_origin(item) is not Delivery:
        raise TypeError(f"{handler.__name__}: a batch handler takes list[Delivery[Event]]")
    (event,) = get_args(item)
    return event, True


async def _undecoded(message: StreamMessage[Any]) -> None:
    """Never decode the body as a whole: the policy parses each record itself (and hands the
    handler what it parsed), so FastStream's own JSON decoding would be work thrown away."""
    return None
