"""``lsa demo``: load the demo portfolio into a running system, through its own HTTP paths.

Against the gateway of ``make run`` (``lsa up``), as the system's users would:

1. **programs** — an admin ``PUT``s each client's program and deliverables (the admin routes
   build the same events as the CRM topic);
2. **connects** — each client starts the connector's OAuth flow, and the "browser" approves
   the emulator's consent page for the client's generated demo account (``demo_NN``) and
   follows the redirect back to the callback; the ingestor then syncs and backfills on its own;
3. **history** — once every account has its first days, an admin imports the year before
   today for each: the counts "the client kept by hand". The import never replaces a day the
   platform reported, so these fill what the platform lacks (Instagram's year before its 30
   days, all of TikTok's and X's, the days YouTube reports late). They come from the emulator's
   ``GET /_emulator/accounts/{key}/history``, the counts that platform stated on each day, so
   the imported days join the platform's curve without a jump. They are asked of the running
   emulator, not computed here, because only the emulator knows each platform's view of a
   person's audience (a Facebook Page's share of it, YouTube's rounded public count).

Running it twice adds nothing: programs are replaced by equal ones, connections already
there are reused, and an import replaces its own earlier days with equal rows (and never a
day the platform reported). The plan itself is :mod:`services.local.demo_plan`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from services.local.demo_plan import (
    MAX_CLIENTS,
    portfolio,
)
from services.local.demo_steps import Connection, Demo, DemoError
from shared import clock

T = TypeVar("T")
HTTP_TIMEOUT_SECONDS = 30
"""Per request of the demo's HTTP client."""
CONNECTIONS_PER_SLOT = 4
"""The HTTP client's connection pool per concurrent step (a step makes a few calls at once)."""

__all__ = ["Connection", "Demo", "DemoError", "Summary", "main", "run"]


@dataclass
class Summary:
    clients: int = 0
    deliverables: int = 0
    connections: list[Connection] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def new_connections(self) -> int:
        return sum(not c.reused for c in self.connections)

    @property
    def imported_days(self) -> int:
        return sum(c.imported for c in self.connections)

    @property
    def skipped_days(self) -> int:
        return sum(c.skipped for c in self.connections)

    def lines(self) -> list[str]:
        platforms: dict[str, int] = {}
        for found in self.connections:
            platforms[found.platform] = platforms.get(found.platform, 0) + 1
        mix = ", ".join(f"{name} {count}" for name, count in sorted(platforms.items()))
        return [
            f"Demo portfolio loaded in {self.seconds:.0f} s:",
            f"  clients       {self.clients} (demo-client-01 …), {self.deliverables} deliverables",
            f"  connections   {len(self.connections)} ({self.new_connections} new, "
            f"{len(self.connections) - self.new_connections} reused): {mix}",
            f"  history       {self.imported_days} imported days stored, {self.skipped_days} "
            "skipped (the platform's own days)",
        ]


async def _gather(items: Iterable[T], step: Callable[[T], Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.gather(*(step(item) for item in items)))


async def run(
    base_url: str,
    clients: int,
    *,
    concurrency: int = 8,
    timeout: float = 300.0,
    say: Callable[[str], None] = print,
) -> Summary:
    """Load ``clients`` demo clients into the system at ``base_url``; raises :class:`DemoError`."""
    began = time.monotonic()
    plans = portfolio(clients, clock.today())
    summary = Summary(clients=len(plans))
    limits = httpx.Limits(max_connections=CONNECTIONS_PER_SLOT * concurrency)
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS, limits=limits) as http:
        demo = Demo(http, base_url, concurrency=concurrency, timeout=timeout, say=say)
        await demo.check_system()
        say(f"Loading {len(plans)} demo clients into {demo.base_url} …")
        summary.deliverables = sum(await _gather(plans, demo.load_program))
        say(f"  programs: {len(plans)} clients, {summary.deliverables} deliverables")
        planned = sum(len(p.platforms) for p in plans)
        say(f"  connecting {planned} accounts through the emulator ({concurrency} at a time) …")
        for found in await _gather(plans, demo.connect_all):
            summary.connections += found
        say(
            f"  connections: {summary.new_connections} new, "
            f"{len(summary.connections) - summary.new_connections} already there"
        )
        say("  waiting for the first syncs …")
        await demo.wait_for_days(summary.connections)
        say(f"  importing the year before today for {len(summary.connections)} accounts …")
        await _gather(summary.connections, demo.import_history)
    summary.seconds = time.monotonic() - began
    return summary


def main(base_url: str, clients: int, *, concurrency: int, timeout: float) -> int:
    """``lsa demo``: 0 when loaded, 1 (with the reason on stderr) when it could not be."""
    say = _printer()
    if not 1 <= clients <= MAX_CLIENTS:
        print(f"lsa demo: --clients must be 1 … {MAX_CLIENTS}, not {clients}", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(
            run(base_url, clients, concurrency=concurrency, timeout=timeout, say=say)
        )
    except DemoError as error:
        print(f"lsa demo: {error}", file=sys.stderr, flush=True)
        return 1
    for line in summary.lines():
        say(line)
    return 0


def _printer() -> Callable[[str], None]:
    def say(message: str) -> None:
        print(message, flush=True)

    return say
