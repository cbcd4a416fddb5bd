"""``make bench`` (second part): how soon a new connection's history is readable in the API.

Starts the whole system as ``make run`` does (``lsa up`` on free ports, a fresh data folder, the
emulator at ``--latency-ms``), then for every platform that gives history connects a demo
account through the gateway, as the portal and a browser would, and measures from the moment
the consent is approved until the analytics API answers every day that the initial sync stored
(the sync's snapshot count) — the year of history a coach opens right after connecting. Prints
one row per platform and writes ``bench-results/history_latency.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from emulator.driver import consent
from services.local.broker import free_port
from services.registry import SERVICES
from shared import clock

LSA = str(Path(sys.executable).with_name("lsa"))
#: Platforms with daily history, and the demo account each one connects.
PLATFORMS = {
    "youtube": "steady_creator",
    "facebook": "steady_creator",
    "instagram": "steady_creator",
    "linkedin": "steady_creator",
}


def _token(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [LSA, "token", *args], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout.strip()


def start(data_dir: Path, latency_ms: float) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSA_")}
    env["LSA_EMULATOR_LATENCY_MS"] = str(latency_ms)
    gateway = free_port()
    ports = [free_port() for _ in SERVICES]
    internal = [free_port() for _ in SERVICES]
    argv = [
        LSA, "up", "--data-dir", str(data_dir), "--port", str(gateway),
        "--broker-port", str(free_port()), "--emulator-port", str(free_port()),
        "--service-ports", ",".join(map(str, ports)),
        "--internal-ports", ",".join(map(str, internal)),
    ]  # fmt: skip
    log = (data_dir.parent / "up.out").open("wb")
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{gateway}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((data_dir.parent / "up.out").read_text()[-3000:])
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base, env
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("the system did not come up within 180 s")


async def measure(base: str, env: dict[str, str], platform: str, account: str) -> dict[str, Any]:
    client_id = f"bench-{platform}"
    client = {
        "Authorization": f"Bearer {_token(env, '--role', 'client', '--client-id', client_id)}"
    }
    admin = {"Authorization": f"Bearer {_token(env, '--role', 'admin')}"}
    async with (
        httpx.AsyncClient(base_url=base, timeout=30, headers=client) as api,
        httpx.AsyncClient(timeout=30) as browser,
    ):
        started = await api.post(f"/api/portal/social/connect/{platform}")
        started.raise_for_status()
        callback = await consent(browser, started.json()["authorization_url"], account=account)
        approved = time.monotonic()
        landed = await browser.get(callback, follow_redirects=True)
        connection_id = dict(landed.url.params)["connection_id"]
        stored: int | None = None
        days: list[dict[str, Any]] = []
        today = clock.today()
        while time.monotonic() - approved < 120:
            if stored is None:
                runs = (
                    await api.get(
                        "/api/admin/social/syncs",
                        params={"connection_id": connection_id},
                        headers=admin,
                    )
                ).json()
                done = [r for r in runs if r["reason"] == "initial" and r["status"] == "succeeded"]
                stored = done[0]["snapshots"] if done else None
            answer = await api.get(
                f"/api/portal/social/{platform}/metrics",
                params={"from": (today - timedelta(days=366)).isoformat(), "to": today.isoformat()},
            )
            days = answer.json().get("days", []) if answer.status_code == 200 else []
            if stored is not None and len(days) >= stored:
                break
            await asyncio.sleep(0.05)
        seconds = time.monotonic() - approved
    return {
        "platform": platform,
        "days": len(days),
        "stored_by_sync": stored,
        "seconds": round(seconds, 2),
        "complete": stored is not None and len(days) >= stored,
    }


async def run(base: str, env: dict[str, str]) -> list[dict[str, Any]]:
    return [await measure(base, env, p, a) for p, a in PLATFORMS.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lsa-history-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        process, base, env = start(data_dir, args.latency_ms)
        try:
            rows = asyncio.run(run(base, env))
        finally:
            process.send_signal(2)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"\nHistory readable after consent (make run, emulator latency {args.latency_ms} ms):")
    for row in rows:
        state = "" if row["complete"] else "  (INCOMPLETE)"
        print(f"  {row['platform']:<10} {row['days']:>4} days in {row['seconds']:>6.2f} s{state}")
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "history_latency.json").write_text(json.dumps(rows, indent=2))
    return 0 if all(r["complete"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
