"""The system as a user runs it: ``lsa up`` (what ``make run`` calls), driven over HTTP.

Starts the real command in a subprocess on free ports with a fresh data folder, walks the README's
Instagram slice through the gateway (HTML consent form included), checks the edges a portal
backend hits, kills each service once (SIGKILL) and sees the supervisor bring it back, then
presses Ctrl-C and expects every process to stop cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator.driver import consent
from services.local.broker import free_port
from services.local.demo_plan import client_plan, deliverable_body
from services.registry import SERVICES
from shared import clock
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
LSA = str(Path(sys.executable).with_name("lsa"))


@dataclass
class System:
    base_url: str
    emulator_url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    service_ports: list[int]
    internal_ports: list[int]


def _environment() -> dict[str, str]:
    """The caller's environment without ``LSA_*``, on the suite's pinned clock.

    Every process ``lsa up`` starts inherits the same clock offset, so the services, the
    emulator and the tokens minted here all agree on the (pinned) date.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSA_")}
    env[clock.OFFSET_ENV] = repr(clock.offset_to(clock.now()))
    return env


def _token(*args: str) -> str:
    return subprocess.run(
        [LSA, "token", *args], check=True, capture_output=True, text=True, env=_environment()
    ).stdout.strip()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    data_dir = tmp_path_factory.mktemp("make-run") / "data"
    gateway, broker, emulator = free_port(), free_port(), free_port()
    service_ports = [free_port() for _ in SERVICES]
    internal_ports = [free_port() for _ in SERVICES]
    env = _environment()
    output = open(data_dir.parent / "up.out", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            LSA,
            "up",
            "--data-dir",
            str(data_dir),
            "--port",
            str(gateway),
            "--broker-port",
            str(broker),
            "--emulator-port",
            str(emulator),
            "--service-ports",
            ",".join(map(str, service_ports)),
            "--internal-ports",
            ",".join(map(str, internal_ports)),
        ],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{gateway}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise AssertionError((data_dir.parent / "up.out").read_text())
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("system not up in 120 s")
        time.sleep(0.5)
    running = System(
        base_url, f"http://127.0.0.1:{emulator}", process, data_dir, service_ports, internal_ports
    )
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        output.close()


async def test_it_prints_where_things_are(system: System) -> None:
    printed = (system.data_dir.parent / "up.out").read_text()
    assert system.base_url in printed
    assert system.emulator_url in printed
    assert "make token" in printed and "Ctrl-C" in printed
    assert {p.name for p in system.data_dir.glob("*.db")} >= {f"{s}.db" for s in SERVICES}


async def test_connect_instagram_and_see_followers_through_the_gateway(system: System) -> None:
    client = {"Authorization": f"Bearer {_token('--role', 'client', '--client-id', 'e2e-client')}"}
    async with (
        httpx.AsyncClient(base_url=system.base_url, timeout=30) as api,
        httpx.AsyncClient(timeout=30) as browser,
    ):
        started = await api.post("/api/portal/social/connect/instagram", headers=client)
        assert started.status_code == 200, started.text
        authorization_url = started.json()["authorization_url"]
        assert authorization_url.startswith(system.emulator_url + "/www.instagram.com/oauth/")
        callback = await consent(browser, authorization_url, account="viral_vera")
        assert callback.startswith(system.base_url + "/api/portal/social/callback/instagram?")
        landed = await browser.get(callback, follow_redirects=True)
        assert landed.status_code == 200 and "connected" in landed.text.lower()
        assert parse_qs(urlsplit(str(landed.url)).query)["status"] == ["connected"]

        async def followers() -> Any:
            body = (await api.get("/api/portal/social/overview", headers=client)).json()
            return body if body["accounts"] and body["accounts"][0]["followers"] else None

        overview = await eventually(followers)
        accounts = (await browser.get(f"{system.emulator_url}/_emulator/accounts")).json()
        vera = next(a for a in accounts["accounts"] if a["key"] == "viral_vera")
        assert overview["accounts"][0]["followers"] == vera["followers"]
        assert overview["accounts"][0]["username"] == "viral_vera"

        connections = (await api.get("/api/portal/social/connections", headers=client)).json()
        assert [c["username"] for c in connections] == ["viral_vera"]
        assert connections[0]["status"] == "active"

        admin = {"Authorization": f"Bearer {_token('--role', 'admin')}"}
        listed = await api.get(
            "/api/admin/social/connections", params={"client_id": "e2e-client"}, headers=admin
        )
        assert [c["username"] for c in listed.json()] == ["viral_vera"]
        clients_view = await api.get("/api/admin/social/clients/e2e-client/overview", headers=admin)
        assert clients_view.json()["accounts"][0]["followers"] == vera["followers"]


async def test_deny_on_the_consent_page_comes_back_as_a_readable_error(system: System) -> None:
    client = {"Authorization": f"Bearer {_token('--role', 'client', '--client-id', 'e2e-deny')}"}
    async with (
        httpx.AsyncClient(base_url=system.base_url, timeout=30) as api,
        httpx.AsyncClient(timeout=30) as browser,
    ):
        started = await api.post("/api/portal/social/connect/instagram", headers=client)
        callback = await consent(
            browser,
            started.json()["authorization_url"],
            account="steady_creator",
            decision="deny",
        )
        landed = await browser.get(callback, follow_redirects=True)
        assert landed.status_code == 400
        assert "declined" in landed.text
        assert (await api.get("/api/portal/social/connections", headers=client)).json() == []


async def test_edges_a_portal_backend_hits(system: System) -> None:
    async with httpx.AsyncClient(base_url=system.base_url, timeout=30) as api:
        assert (await api.get("/api/portal/social/connections")).status_code == 401
        bad = await api.get(
            "/api/portal/social/connections", headers={"Authorization": "Bearer not-a-jwt"}
        )
        assert bad.status_code == 401
        admin = {"Authorization": f"Bearer {_token('--role', 'admin')}"}
        assert (await api.get("/api/portal/social/overview", headers=admin)).status_code == 403
        client = {"Authorization": f"Bearer {_token('--role', 'client', '--client-id', 'x')}"}
        unknown = await api.post("/api/portal/social/connect/friendster", headers=client)
        assert unknown.status_code == 404
        # Internal and metrics routes are not reachable through the public base URL, not even
        # by a path that climbs out of a public prefix.
        assert (await api.get("/internal/connections/x/access-token")).status_code == 404
        assert (await api.get("/metrics")).status_code == 404
        for sneaky in (
            "/api/portal/social/connections/..%2F..%2F..%2F..%2Fmetrics",
            "/api/portal/social/connections/%2e%2e/%2e%2e/%2e%2e/%2e%2e/readyz",
            "/api/portal/social/connections/..%252F..%252Fdocs",
            "/api/portal/social/connections/%00",
        ):
            refused = await api.get(sneaky, headers=client)
            assert refused.status_code == 400, sneaky
            assert refused.json()["detail"], sneaky
    # They are on each service's internal port, and only there.
    async with httpx.AsyncClient(timeout=30) as http:
        for public, internal in zip(system.service_ports, system.internal_ports, strict=True):
            assert (await http.get(f"http://127.0.0.1:{public}/metrics")).status_code == 404
            metrics = await http.get(f"http://127.0.0.1:{internal}/metrics")
            assert metrics.status_code == 200
            assert "lsa_http_request_duration_seconds" in metrics.text


def _demo(system: System) -> str:
    """``lsa demo --clients 3`` against the running system; its output."""
    done = subprocess.run(
        [LSA, "demo", "--url", system.base_url, "--clients", "3", "--timeout", "90"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=150,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def test_the_demo_loads_its_portfolio_once(system: System) -> None:
    admin = {"Authorization": f"Bearer {_token('--role', 'admin')}"}
    today = clock.today()
    printed = _demo(system)
    assert "3 (demo-client-01 …), 22 deliverables" in printed
    assert "8 (8 new, 0 reused)" in printed
    async with httpx.AsyncClient(base_url=system.base_url, timeout=30) as api:

        async def state() -> dict[str, Any]:
            found: dict[str, Any] = {}
            for number in (1, 2, 3):
                plan = client_plan(number, today)
                token = _token("--role", "client", "--client-id", plan.client_id)
                client = {"Authorization": f"Bearer {token}"}
                program = await api.get(
                    f"/api/admin/social/clients/{plan.client_id}/program", headers=admin
                )
                assert program.status_code == 200, program.text
                body = program.json()
                assert body["program_start"] == plan.program_start.isoformat()
                assert [
                    {k: d[k] for k in ("title", "due_on", "completed_on")}
                    for d in body["deliverables"]
                ] == [deliverable_body(d) for d in plan.deliverables]
                connections = (
                    await api.get("/api/portal/social/connections", headers=client)
                ).json()
                assert sorted(c["platform"] for c in connections) == sorted(plan.platforms)
                assert {c["status"] for c in connections} == {"active"}
                for connection in connections:
                    days = await api.get(
                        f"/api/admin/social/clients/{plan.client_id}/{connection['platform']}"
                        "/metrics",
                        params={"from": str(today - timedelta(days=365)), "to": str(today)},
                        headers=admin,
                    )
                    assert days.status_code == 200, days.text
                    found[f"{number}/{connection['platform']}/{connection['id']}"] = [
                        (d["date"], d["followers"], d["source"]) for d in days.json()["days"]
                    ]
            return found

        first = await state()
        assert len(first) == 8
        # TikTok keeps no history: the year before today is the import, today the live sync.
        tiktok = next(days for key, days in first.items() if key.startswith("1/tiktok/"))
        assert len(tiktok) == 366
        assert {source for _, _, source in tiktok[:-1]} == {"import"}
        assert tiktok[-1][0] == str(today) and tiktok[-1][2] == "live"
        assert all(followers is not None for _, followers, _ in tiktok)
        # Instagram's own days stay the platform's; the import fills the year before them.
        instagram = next(days for key, days in first.items() if key.startswith("1/instagram/"))
        sources = [source for _, _, source in instagram]
        assert instagram[0][0] == str(today - timedelta(days=365)) and sources[0] == "import"
        assert "platform" in sources and sources.index("platform") > 300

        again = _demo(system)
        assert "8 (0 new, 8 reused)" in again
        second = await state()
        assert second.keys() == first.keys()  # the same connections, nothing added
        for key in first:
            assert len(second[key]) == len(first[key]), key


def _service_pid(system: System, name: str) -> int:
    """The pid of ``lsa serve <name>`` among the children of ``lsa up``."""
    children = subprocess.run(
        ["pgrep", "-P", str(system.process.pid)], capture_output=True, text=True
    ).stdout.split()
    for pid in children:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"serve" in argv and argv[argv.index(b"serve") + 1] == name.encode():
            return int(pid)
    raise AssertionError(f"no process serves {name}")


async def test_killed_services_are_restarted_and_answer_again(system: System) -> None:
    """All five at once (SIGKILL): each one restarts on its own, and this keeps the test short
    (a restarted consumer waits for its dead predecessor to leave the group, ~20 s)."""
    client = {"Authorization": f"Bearer {_token('--role', 'client', '--client-id', 'e2e-kill')}"}
    admin = {"Authorization": f"Bearer {_token('--role', 'admin')}"}
    #: A route of each service and what it answers when the service is up. alerts and reports
    #: have no routes yet: their own 404 (not the gateway's 503) shows they answer.
    routes = {
        "connector": ("/api/portal/social/connections", client, 200),
        "ingestor": ("/api/admin/social/syncs", admin, 200),
        "analytics": ("/api/portal/social/overview", client, 200),
        "alerts": ("/api/portal/social/alerts", client, 404),
        "reports": ("/api/portal/social/reports", client, 404),
    }
    async with httpx.AsyncClient(base_url=system.base_url, timeout=30) as api:
        for path, headers, status in routes.values():
            assert (await api.get(path, headers=headers)).status_code == status, path
        killed = {name: _service_pid(system, name) for name in SERVICES}
        for pid in killed.values():
            os.kill(pid, signal.SIGKILL)

        def services_are(state: str) -> Callable[[], Awaitable[Any]]:
            async def probe() -> Any:
                body = (await api.get("/healthz")).json()
                return body if set(body["services"].values()) == {state} else None

            return probe

        during = await eventually(services_are("restarting"), timeout=30, interval=0.1)
        assert during["status"] == "degraded"
        after = await eventually(services_are("up"), timeout=120, interval=0.2)
        assert after["status"] == "ok"
        assert after["restarts"] == {name: 1 for name in SERVICES} | {"broker": 0, "emulator": 0}
        for name, (path, headers, status) in routes.items():
            assert _service_pid(system, name) != killed[name]
            answer = await api.get(path, headers=headers)
            assert answer.status_code == status, (name, answer.text)
            if status == 404:
                assert answer.json() == {"detail": "Not Found"}  # the service's, not the gateway's
        for internal in system.internal_ports:
            assert (await api.get(f"http://127.0.0.1:{internal}/metrics")).status_code == 200
    log = (system.data_dir.parent / "up.out").read_text()
    for name in SERVICES:
        assert f"{name} exited with signal SIGKILL; restarting in 1 s" in log
        assert f"{name}: up again" in log


def test_ctrl_c_stops_everything_cleanly(system: System) -> None:
    children = subprocess.run(
        ["pgrep", "-P", str(system.process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert len(children) >= 1 + len(SERVICES)  # broker, emulator, five services
    system.process.send_signal(signal.SIGINT)
    assert system.process.wait(timeout=60) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), f"child {pid} survived"
    for port in [*system.service_ports, *system.internal_ports]:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def _is_zombie(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True
