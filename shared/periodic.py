"""A background task that runs a coroutine every ``interval`` seconds until stopped.

For housekeeping inside a service process (purging expired rows and the like); a failure is
logged and retried at the next tick, never fatal to the service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from shared.logging import get_logger

log = get_logger(__name__)


class Periodic:
    def __init__(self, name: str, interval: float, job: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self.interval = interval
        self.job = job
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            try:
                await self.job()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("periodic job failed", job=self.name, error=str(error)[:300])
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
