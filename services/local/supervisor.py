"""``lsa up``: the whole system on one machine, stopped cleanly by Ctrl-C.

Order: migrations → broker → platform emulator → five services (each its own process, exactly
as ``lsa serve`` runs in a pod) → wait until every service is ready → gateway on the base URL.
Each child's output goes to ``<data dir>/logs/<name>.log``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from services.local.broker import start_broker, stop_process, wait_for_port
from services.local.gateway import create_gateway
from services.registry import SERVICES
from shared.db.migrations import upgrade


@dataclass
class Ports:
    gateway: int = 8000
    broker: int = 9092
    emulator: int = 8100
    services: dict[str, int] = field(
        default_factory=lambda: {name: spec.default_port for name, spec in SERVICES.items()}
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _wait_ready(url: str, process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} was not ready after 120 s; see {log}")


def run(data_dir: Path, ports: Ports, *, emulator: bool = True) -> int:
    data_dir = data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["LSA_DATA_DIR"] = str(data_dir)
    env.setdefault("LSA_CONNECTOR_PUBLIC_BASE_URL", f"http://127.0.0.1:{ports.gateway}")
    env.setdefault(
        "LSA_CONNECTOR_PORTAL_REDIRECT_URL",
        f"http://127.0.0.1:{ports.gateway}/api/portal/social/connect/result",
    )
    env["LSA_CONNECTOR_URL"] = f"http://127.0.0.1:{ports.services['connector']}"
    own_broker = "LSA_KAFKA_BOOTSTRAP_SERVERS" not in os.environ
    if own_broker:
        env["LSA_KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{ports.broker}"
    if emulator:
        env.setdefault("LSA_PLATFORM_EMULATOR_URL", f"http://127.0.0.1:{ports.emulator}")

    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        _say(f"Migrating databases under {data_dir} …")
        for spec in SERVICES.values():
            upgrade(spec.migrations, _service_db_url(spec.name, env))
        if own_broker:
            _say(f"Starting the Kafka-compatible broker (tansu) on 127.0.0.1:{ports.broker} …")
            children.append(("broker", start_broker(ports.broker, log=logs / "broker.log")))
        command = [sys.executable, "-m", "services.cli"]
        if emulator:
            children.append(
                (
                    "emulator",
                    _spawn(
                        [*command, "emulator", "--port", str(ports.emulator)],
                        env,
                        logs / "emulator.log",
                    ),
                )
            )
        for name in SERVICES:
            port = ports.services[name]
            children.append(
                (
                    name,
                    _spawn(
                        [*command, "serve", name, "--port", str(port)], env, logs / f"{name}.log"
                    ),
                )
            )
        if emulator:
            wait_for_port(ports.emulator, timeout=60)
        for name, process in children:
            if name in SERVICES:
                _wait_ready(
                    f"http://127.0.0.1:{ports.services[name]}/readyz",
                    process,
                    name,
                    logs / f"{name}.log",
                )
        upstreams = {n: f"http://127.0.0.1:{ports.services[n]}" for n in SERVICES}
        emulator_url = env.get("LSA_PLATFORM_EMULATOR_URL") if emulator else None
        _print_summary(ports, data_dir, emulator_url)
        gateway = create_gateway(upstreams, emulator_url=emulator_url)
        server = uvicorn.Server(
            uvicorn.Config(
                gateway, host="127.0.0.1", port=ports.gateway, log_config=None, access_log=False
            )
        )
        server.run()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        _say("Stopping …")
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for _name, process in reversed(children):
            stop_process(process)
        _say("Stopped.")


def _service_db_url(name: str, env: dict[str, str]) -> str:
    explicit = env.get(f"LSA_{name.upper()}_DATABASE_URL")
    if explicit:
        return explicit
    path = Path(env["LSA_DATA_DIR"]) / f"{name}.db"
    return f"sqlite+aiosqlite:///{path}"


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as output:
        return subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def _print_summary(ports: Ports, data_dir: Path, emulator_url: str | None) -> None:
    base = f"http://127.0.0.1:{ports.gateway}"
    kafka = os.environ.get("LSA_KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{ports.broker}"
    lines = [
        "",
        "Live Social Analytics is running.",
        f"  API (gateway)       {base}   (routes: {base}/ , health: {base}/healthz)",
    ]
    for name, port in ports.services.items():
        lines.append(f"  {name:<19} http://127.0.0.1:{port}   (/docs, /readyz, /metrics)")
    if emulator_url:
        lines.append(f"  platform emulator   {emulator_url}")
    lines += [
        f"  Kafka bootstrap     {kafka}",
        f"  data and logs       {data_dir}  ({data_dir / 'logs'})",
        "",
        "  Get a token:  make token ROLE=client CLIENT=demo-client   (or ROLE=admin)",
        "  Press Ctrl-C to stop everything.",
        "",
    ]
    _say("\n".join(lines))
