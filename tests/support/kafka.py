"""Reading topics directly, as an analyst would, to check what the services published."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]


async def read_topics(
    bootstrap: str,
    topics: list[str],
    *,
    until: Callable[[list[Record]], bool],
    timeout: float = 30.0,
) -> list[Record]:
    """Read ``topics`` from the beginning until ``until(records)`` holds or ``timeout`` passes."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Record] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not until(records) and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                records.extend(
                    Record(
                        m.topic,
                        m.key,
                        m.value or b"",
                        {k: v.decode("utf-8", "replace") for k, v in (m.headers or ())},
                    )
                    for m in messages
                )
    finally:
        await consumer.stop()
    return records
