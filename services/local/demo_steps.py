"""The steps of ``lsa demo`` as HTTP calls against the running system: check it, load a
program, connect an account through the emulator's consent page, wait for the first days,
import the year before. :mod:`services.local.demo` runs them for the whole portfolio.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from emulator.driver import ConsentError, consent
from services.local.demo_plan import (
    ClientPlan,
    deliverable_body,
    history_csv,
    import_range,
)
from shared import clock
from shared.auth import Role, issue_token
from shared.settings import AuthSettings

TOKEN_TTL_SECONDS = 3600
POLL_SECONDS = 1.0
RETRY_SECONDS = 1.0
RETRIES = 3
EXCERPT_CHARS = 300
"""How much of a refused answer's body an error message shows."""
PROBE_EXCERPT_CHARS = 200
"""How much of the emulator probe's answer an error message shows."""
NAMES_EXCERPT_CHARS = 400
"""How much of the list of accounts still without days an error message shows."""


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


@dataclass
class Connection:
    client: ClientPlan
    platform: str
    connection_id: str
    reused: bool
    imported: int = 0
    skipped: int = 0


class Demo:
    """One run against the system at ``base_url`` (its gateway)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        concurrency: int,
        timeout: float,
        say: Callable[[str], None],
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.emulator_url = ""
        self.slots = asyncio.Semaphore(concurrency)
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.say = say
        settings = AuthSettings()
        self.admin = _bearer(issue_token(settings, role=Role.ADMIN, ttl_seconds=TOKEN_TTL_SECONDS))
        self._settings = settings

    def client_headers(self, plan: ClientPlan) -> dict[str, str]:
        token = issue_token(
            self._settings,
            role=Role.CLIENT,
            client_id=plan.client_id,
            ttl_seconds=TOKEN_TTL_SECONDS,
        )
        return _bearer(token)

    # -- the steps ---------------------------------------------------------------------------

    async def check_system(self) -> None:
        """The system answers, is healthy, and runs the emulator with the generated accounts."""
        try:
            health = await self.http.get(f"{self.base_url}/healthz")
            index = await self.http.get(f"{self.base_url}/")
        except httpx.HTTPError as error:
            raise DemoError(
                f"no system answers at {self.base_url} ({error.__class__.__name__}): start it "
                "with `make run` (or `lsa up`) and run the demo again"
            ) from error
        if health.status_code != 200:
            down = _not_up(health)
            raise DemoError(f"the system at {self.base_url} is not ready ({down}); try again")
        emulator = index.json().get("platform_emulator") if index.status_code == 200 else None
        if not emulator:
            raise DemoError(
                f"the system at {self.base_url} runs without the platform emulator; the demo "
                "connects the emulator's demo accounts (run `make run` without --no-emulator)"
            )
        self.emulator_url = str(emulator).rstrip("/")
        today = clock.today().isoformat()
        try:
            probe = await self.http.get(
                f"{self.emulator_url}/_emulator/accounts/demo_01/history",
                params={"platform": "instagram", "from": today, "to": today},
            )
        except httpx.HTTPError as error:
            raise DemoError(f"the platform emulator at {self.emulator_url} does not answer") from (
                error
            )
        if probe.status_code != 200:
            raise DemoError(
                f"the platform emulator at {self.emulator_url} has no generated demo accounts "
                f"({probe.status_code}: {probe.text[:PROBE_EXCERPT_CHARS]}); "
                "restart `make run` on this version"
            )

    async def load_program(self, plan: ClientPlan) -> int:
        """PUT the program, then each deliverable; returns how many deliverables."""
        base = f"{self.base_url}/api/admin/social/clients/{plan.client_id}"
        put = partial(self.http.put, headers=self.admin)
        await self._expect(
            partial(put, f"{base}/program", json=plan.program_body()),
            f"program of {plan.client_id}",
            retries=RETRIES,
        )
        for deliverable in plan.deliverables:
            await self._expect(
                partial(
                    put,
                    f"{base}/deliverables/{deliverable.code}",
                    json=deliverable_body(deliverable),
                ),
                f"deliverable {deliverable.code} of {plan.client_id}",
                retries=RETRIES,
            )
        return len(plan.deliverables)

    async def connect_all(self, plan: ClientPlan) -> list[Connection]:
        """The client's planned connections: those already active are reused, the rest made."""
        headers = self.client_headers(plan)
        listed = await self._expect(
            partial(
                self.http.get, f"{self.base_url}/api/portal/social/connections", headers=headers
            ),
            f"connections of {plan.client_id}",
            retries=RETRIES,
        )
        # One account per platform and client: an active one is the demo's (YouTube names it
        # by the channel's handle, so the username is not the demo key everywhere).
        existing = {c["platform"]: str(c["id"]) for c in listed if c["status"] == "active"}
        found = []
        for platform in plan.platforms:
            if platform in existing:
                found.append(Connection(plan, platform, existing[platform], reused=True))
                continue
            async with self.slots:
                connection_id = await self.connect(plan, platform, headers)
            found.append(Connection(plan, platform, connection_id, reused=False))
        return found

    async def connect(self, plan: ClientPlan, platform: str, headers: dict[str, str]) -> str:
        """The OAuth flow as a browser does it; returns the new connection's id."""
        what = f"{plan.client_id} on {platform}"
        url = f"{self.base_url}/api/portal/social/connect/{platform}"
        started = await self._expect(
            partial(self.http.post, url, headers=headers), f"connect of {what}", retries=RETRIES
        )
        try:
            callback = await consent(
                self.http, started["authorization_url"], account=plan.account, listed=False
            )
        except ConsentError as error:
            raise DemoError(f"the consent page for {what} misbehaved: {error}") from error
        landed = await self.http.get(callback)
        result = parse_qs(urlsplit(landed.headers.get("location", "")).query)
        if result.get("status") != ["connected"]:
            raise DemoError(f"connecting {what} failed: {result or landed.text[:EXCERPT_CHARS]}")
        return str(result["connection_id"][0])

    async def wait_for_days(self, connections: list[Connection]) -> None:
        """Until analytics has a day of every connection (its first sync is in)."""
        waiting = {c.connection_id: c for c in connections}
        clients = {c.client.client_id: c.client for c in connections}
        last = -1
        while waiting:
            for client_id in sorted({c.client.client_id for c in waiting.values()}):
                for account in await self._accounts(clients[client_id]):
                    if account.get("last_snapshot_date"):
                        waiting.pop(str(account.get("connection_id")), None)
            done = len(connections) - len(waiting)
            if done != last:
                self.say(f"  {done}/{len(connections)} accounts have their first days")
                last = done
            if not waiting:
                return
            if time.monotonic() > self.deadline:
                names = ", ".join(f"{c.client.client_id}/{c.platform}" for c in waiting.values())
                raise DemoError(
                    f"after {self.timeout:.0f} s, {len(waiting)} account(s) still have no days: "
                    f"{names[:NAMES_EXCERPT_CHARS]} — see the ingestor's and analytics' logs "
                    "(data/logs/)"
                )
            await asyncio.sleep(POLL_SECONDS)

    async def import_history(self, connection: Connection) -> None:
        """The year before today, as the client kept it (the platform's own days are kept)."""
        start, end = import_range(clock.today())
        async with self.slots:
            account, platform = connection.client.account, connection.platform
            days = await self._expect(
                partial(
                    self.http.get,
                    f"{self.emulator_url}/_emulator/accounts/{account}/history",
                    params={"platform": platform, "from": str(start), "to": str(end)},
                ),
                f"the emulator's counts of {account} on {platform}",
                retries=RETRIES,
            )
            client_id, cid = connection.client.client_id, connection.connection_id
            answer = await self._expect(
                partial(
                    self.http.post,
                    f"{self.base_url}/api/admin/social/clients/{client_id}/connections/{cid}/import",
                    content=history_csv(days["days"]).encode(),
                    headers={**self.admin, "Content-Type": "text/csv"},
                ),
                f"history import of {client_id} on {platform}",
                retries=RETRIES,
            )
        connection.imported = int(answer["imported"])
        connection.skipped = len(answer["skipped_platform_days"])

    async def _accounts(self, plan: ClientPlan) -> list[dict[str, Any]]:
        """The client's accounts as analytics shows them to an admin (the overview's list)."""
        for path in ("overview", ""):
            url = f"{self.base_url}/api/admin/social/clients/{plan.client_id}"
            answer = await self.http.get(f"{url}/{path}" if path else url, headers=self.admin)
            if answer.status_code == 200:
                return _account_rows(answer.json())
        return []

    async def _expect(
        self, send: Callable[[], Awaitable[httpx.Response]], what: str, *, retries: int = 0
    ) -> Any:
        """The JSON of a 2xx answer; anything else stops the demo with the answer's reason.

        ``retries`` re-sends an idempotent request after a 5xx or a network error (a service
        restarting, or a write that lost a race with the snapshot intake).
        """
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                answer = await send()
            except httpx.HTTPError as error:
                if last:
                    raise DemoError(f"{what}: {error.__class__.__name__} {error}") from error
            else:
                if answer.is_success:
                    return answer.json()
                if answer.status_code < 500 or last:
                    raise DemoError(
                        f"{what}: HTTP {answer.status_code} {answer.text[:EXCERPT_CHARS]}"
                    )
            await asyncio.sleep(RETRY_SECONDS * (attempt + 1))
        raise AssertionError("unreachable")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _not_up(health: httpx.Response) -> str:
    try:
        services = health.json().get("services", {})
    except ValueError:
        return f"HTTP {health.status_code}"
    down = [f"{name} {state}" for name, state in services.items() if state != "up"]
    return ", ".join(down) or f"HTTP {health.status_code}"


def _account_rows(body: Any) -> list[dict[str, Any]]:
    """Every object carrying a ``connection_id`` in an answer (the overview's ``accounts``)."""
    if isinstance(body, dict):
        found = [body] if "connection_id" in body else []
        for value in body.values():
            found += _account_rows(value)
        return found
    if isinstance(body, list):
        return [row for item in body for row in _account_rows(item)]
    return []
