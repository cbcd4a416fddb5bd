"""A background task that runs a coroutine again and again until stopped.

For scheduled work inside a service process (housekeeping, token upkeep, a daily trigger); a
failure is logged and the job runs again at its next time, never fatal to the service.
``interval`` is seconds, or a function giving the seconds until the next run (e.g. "until
03:00 UTC"); ``wait_first`` waits one interval before the first run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from shared.logging import LOGGED_ERROR_LENGTH, get_logger

log = get_logger(__name__)


class Periodic:
    def __init__(
        self,
        name: str,
        interval: float | Callable[[], float],
        job: Callable[[], Awaitable[object]],
        *,
        wait_first: bool = False,
    ) -> None:
        self.name = name
        self.interval = interval
        self.job = job
        self.wait_first = wait_first
        self._task: asyncio.Task[None] | None = None

    def _delay(self) -> float:
        return max(0.0, self.interval() if callable(self.interval) else self.interval)

    async def _run(self) -> None:
        if self.wait_first:
            await asyncio.sleep(self._delay())
        while True:
            try:
                await self.job()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "periodic job failed", job=self.name, error=str(error)[:LOGGED_ERROR_LENGTH]
                )
            await asyncio.sleep(self._delay())

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
