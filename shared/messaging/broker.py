"""The Kafka broker every service uses, and idempotent topic creation.

The broker's lifecycle is bound to the FastAPI application's lifespan (FastStream's manual
integration): FastStream's in-tree FastAPI router is deprecated in favour of the separate
``faststream-fastapi`` package, whose context injection does not hand a handler the raw Kafka
message that dead-lettering needs. Subscribers stay plain FastStream handlers.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from shared.logging import get_logger
from shared.messaging.correlation_middleware import CorrelationMiddleware
from shared.settings import KafkaSettings

log = get_logger(__name__)


def _security(settings: KafkaSettings) -> BaseSecurity | None:
    tls = settings.security_protocol in ("SSL", "SASL_SSL")
    context = ssl.create_default_context() if tls else None
    if settings.sasl_mechanism is None:
        return BaseSecurity(ssl_context=context, use_ssl=tls) if tls else None
    username = settings.sasl_username or ""
    password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
    kinds: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
        "PLAIN": SASLPlaintext,
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
    }
    return kinds[settings.sasl_mechanism](
        username=username, password=password, ssl_context=context, use_ssl=tls
    )


def _admin_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl.create_default_context()
    if settings.sasl_mechanism:
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_username
        kwargs["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    return kwargs


def make_broker(settings: KafkaSettings, *, client_id: str) -> KafkaBroker:
    """A broker configured from the environment; nothing here assumes a particular broker."""
    return KafkaBroker(
        settings.bootstrap_servers.split(","),
        client_id=client_id,
        acks=-1 if settings.acks == "all" else int(settings.acks),
        enable_idempotence=settings.enable_idempotence,
        allow_auto_create_topics=False,
        security=_security(settings),
        middlewares=(CorrelationMiddleware,),
        # Handlers log what matters themselves; FastStream's per-message lines would drown them.
        logger=None,
    )


async def ensure_topics(settings: KafkaSettings, topics: Iterable[str]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created.

    Safe to run from every replica at every start: "already exists" is success.
    """
    admin = AIOKafkaAdminClient(**_admin_kwargs(settings))
    await admin.start()
    try:
        wanted = list(dict.fromkeys(topics))
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [NewTopic(t, settings.topic_partitions, settings.replication_factor) for t in missing]
        )
        created = []
        for topic, code, message in _topic_errors(response):
            if code == 0:
                created.append(topic)
            elif code != TopicAlreadyExistsError.errno:
                raise RuntimeError(f"could not create topic {topic}: {code} {message}")
        log.info("topics created", topics=created, partitions=settings.topic_partitions)
        return created
    finally:
        await admin.close()


def _topic_errors(response: Any) -> list[tuple[str, int, str | None]]:
    rows = []
    for entry in response.topic_errors:
        topic, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 else None
        rows.append((topic, code, message))
    return rows
