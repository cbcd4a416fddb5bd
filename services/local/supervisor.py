"""``lsa up``: the whole system on one machine, kept running, stopped cleanly by Ctrl-C.

Order: migrations → broker → platform emulator → five services (each its own process, exactly
as ``lsa serve`` runs in a pod) → wait until every service is ready → gateway on the base URL.
Each child's output goes to ``<data dir>/logs/<name>.log``.

A service or the emulator that exits unexpectedly is restarted with backoff (1 s doubling to
30 s; ``services.local.watchdog``), and the gateway's ``/healthz`` shows it as ``restarting``
meanwhile. The broker is not restarted: tansu keeps topics and offsets in memory, so a new one
would silently lack every event and consumer position; ``lsa up`` stops everything instead and
exits with 1. Children run in their own process groups, so a terminal's Ctrl-C reaches only
``lsa up``, which stops them in reverse order.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType

import httpx
import uvicorn

from services.local.board import ProcessBoard
from services.local.broker import start_broker, stop_process, wait_for_port
from services.local.gateway import create_gateway
from services.local.watchdog import Watchdog, describe_exit
from services.registry import SERVICES
from shared import clock
from shared.db.migrations import upgrade


@dataclass
class Ports:
    gateway: int = 8000
    broker: int = 9092
    emulator: int = 8100
    services: dict[str, int] = field(
        default_factory=lambda: {name: spec.default_port for name, spec in SERVICES.items()}
    )
    #: The services' internal ports (``/metrics``, ``/internal``); the gateway never routes them.
    internal: dict[str, int] = field(
        default_factory=lambda: {
            name: spec.default_internal_port for name, spec in SERVICES.items()
        }
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _log(message: str) -> None:
    """A line of the watchdog's, with the time (UTC) to match it with the services' logs."""
    _say(f"{clock.now():%H:%M:%S} {message}")


def _is_ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_ready(url: str, process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        if _is_ready(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{name} was not ready after 120 s; see {log}")


def _environment(data_dir: Path, ports: Ports, *, emulator: bool) -> dict[str, str]:
    """What every child inherits: this environment plus the local wiring."""
    env = dict(os.environ)
    env["LSA_DATA_DIR"] = str(data_dir)
    env.setdefault("LSA_CONNECTOR_PUBLIC_BASE_URL", f"http://127.0.0.1:{ports.gateway}")
    env.setdefault(
        "LSA_CONNECTOR_PORTAL_REDIRECT_URL",
        f"http://127.0.0.1:{ports.gateway}/api/portal/social/connect/result",
    )
    # The ingestor borrows tokens from the connector's internal port.
    env["LSA_CONNECTOR_URL"] = f"http://127.0.0.1:{ports.internal['connector']}"
    if "LSA_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        env["LSA_KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{ports.broker}"
    if emulator:
        env.setdefault("LSA_PLATFORM_EMULATOR_URL", f"http://127.0.0.1:{ports.emulator}")
    return env


def _start_children(
    watchdog: Watchdog[subprocess.Popen[bytes]],
    ports: Ports,
    env: dict[str, str],
    logs: Path,
    *,
    own_broker: bool,
    emulator: bool,
) -> None:
    """Start broker, emulator and services under the watchdog; return once all are ready."""
    if own_broker:
        _say(f"Starting the Kafka-compatible broker (tansu) on 127.0.0.1:{ports.broker} …")
        broker = start_broker(ports.broker, log=logs / "broker.log")
        watchdog.watch(
            "broker",
            broker,
            start=None,  # in-memory: a new broker would lack every topic and offset
            ready=lambda: True,
            now=time.monotonic(),
            log=str(logs / "broker.log"),
        )
    command = [sys.executable, "-m", "services.cli"]
    if emulator:
        argv = [*command, "emulator", "--port", str(ports.emulator)]
        _start_watched(watchdog, "emulator", argv, env, logs, lambda: _listens(ports.emulator))
    for name in SERVICES:
        argv = [*command, "serve", name, "--port", str(ports.services[name])]
        argv += ["--internal-port", str(ports.internal[name])]
        readyz = f"http://127.0.0.1:{ports.services[name]}/readyz"
        _start_watched(watchdog, name, argv, env, logs, partial(_is_ready, readyz))
    if emulator:
        wait_for_port(ports.emulator, timeout=60)
    for name, process in watchdog.processes():
        if name in SERVICES:
            readyz = f"http://127.0.0.1:{ports.services[name]}/readyz"
            _wait_ready(readyz, process, name, logs / f"{name}.log")


def run(data_dir: Path, ports: Ports, *, emulator: bool = True) -> int:
    data_dir = data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = _environment(data_dir, ports, emulator=emulator)
    own_broker = "LSA_KAFKA_BOOTSTRAP_SERVERS" not in os.environ

    board = ProcessBoard()
    server: uvicorn.Server | None = None
    fatal: list[str] = []

    def on_fatal(name: str, code: int) -> None:
        fatal.append(f"{name} exited with {describe_exit(code)}")
        if server is not None:
            server.should_exit = True

    def stop_on_signal(_signum: int, _frame: FrameType | None) -> None:
        """SIGTERM / SIGHUP (a closed terminal) stop everything as Ctrl-C does."""
        if server is None:
            raise KeyboardInterrupt
        server.should_exit = True  # the gateway runs: let it stop gracefully

    watchdog: Watchdog[subprocess.Popen[bytes]] = Watchdog(board, say=_log, on_fatal=on_fatal)
    for hangup in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(hangup, stop_on_signal)
    try:
        _say(f"Migrating databases under {data_dir} …")
        for spec in SERVICES.values():
            upgrade(spec.migrations, _service_db_url(spec.name, env))
        _start_children(watchdog, ports, env, logs, own_broker=own_broker, emulator=emulator)
        upstreams = {n: f"http://127.0.0.1:{ports.services[n]}" for n in SERVICES}
        emulator_url = env.get("LSA_PLATFORM_EMULATOR_URL") if emulator else None
        _print_summary(ports, data_dir, emulator_url)
        gateway = create_gateway(upstreams, emulator_url=emulator_url, board=board)
        server = uvicorn.Server(
            uvicorn.Config(
                gateway, host="127.0.0.1", port=ports.gateway, log_config=None, access_log=False
            )
        )
        watchdog.start()
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        _say("Stopping …")
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, signal.SIG_IGN)
        watchdog.stop()  # first: nothing may be restarted while everything stops
        for _name, process in reversed(watchdog.processes()):
            stop_process(process)
        _say("Stopped.")
    if fatal:
        _say(
            f"{fatal[0]}: the in-memory broker lost every topic and offset, so everything was "
            "stopped. Run `make run` again."
        )
        return 1
    return 0


def _start_watched(
    watchdog: Watchdog[subprocess.Popen[bytes]],
    name: str,
    argv: list[str],
    env: dict[str, str],
    logs: Path,
    ready: Callable[[], bool],
) -> None:
    log = logs / f"{name}.log"

    def start() -> subprocess.Popen[bytes]:
        return _spawn(argv, env, log)

    watchdog.watch(name, start(), start=start, ready=ready, now=time.monotonic(), log=str(log))


def _service_db_url(name: str, env: dict[str, str]) -> str:
    explicit = env.get(f"LSA_{name.upper()}_DATABASE_URL")
    if explicit:
        return explicit
    path = Path(env["LSA_DATA_DIR"]) / f"{name}.db"
    return f"sqlite+aiosqlite:///{path}"


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as output:
        return subprocess.Popen(  # noqa: S603  (our own command line)
            argv, env=env, stdout=output, stderr=subprocess.STDOUT, process_group=0
        )


def _print_summary(ports: Ports, data_dir: Path, emulator_url: str | None) -> None:
    base = f"http://127.0.0.1:{ports.gateway}"
    kafka = os.environ.get("LSA_KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{ports.broker}"
    lines = [
        "",
        "Live Social Analytics is running.",
        f"  API (gateway)       {base}   (routes: {base}/ , health: {base}/healthz)",
    ]
    for name, port in ports.services.items():
        lines.append(
            f"  {name:<19} http://127.0.0.1:{port}   (/docs, /readyz)"
            f"   internal :{ports.internal[name]} (/metrics, /internal)"
        )
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
