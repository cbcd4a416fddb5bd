"""``lsa serve`` and ``lsa up``: which ports the command line, environment and defaults give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services import cli
from services.local import supervisor
from shared.serving import DualServer
from tests.unit.support import clear_lsa_env


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[DualServer]:
    """The DualServer `lsa serve` would run (not run)."""
    clear_lsa_env(monkeypatch)
    monkeypatch.setenv("LSA_DATA_DIR", str(tmp_path))
    runs: list[DualServer] = []
    monkeypatch.setattr(DualServer, "run", lambda self: runs.append(self))
    return runs


def _ports(server: DualServer) -> tuple[str, int, int]:
    public, internal = server.public.config, server.internal.config
    assert public.host == internal.host
    assert internal.lifespan == "off"  # the public server owns the lifespan
    return public.host, public.port, internal.port


def test_serve_takes_both_ports_from_the_command_line(served: list[DualServer]) -> None:
    argv = ["serve", "alerts", "--host", "0.0.0.0", "--port", "8080", "--internal-port", "9090"]
    assert cli.main(argv) == 0
    assert _ports(served[0]) == ("0.0.0.0", 8080, 9090)


def test_serve_falls_back_to_the_environment_then_the_registry(
    served: list[DualServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["serve", "connector"]) == 0
    assert _ports(served[0]) == ("127.0.0.1", 8001, 9001)
    monkeypatch.setenv("LSA_REPORTS_PORT", "7005")
    monkeypatch.setenv("LSA_REPORTS_INTERNAL_PORT", "7105")
    assert cli.main(["serve", "reports"]) == 0
    assert _ports(served[1]) == ("127.0.0.1", 7005, 7105)


def test_serve_refuses_one_port_for_both(
    served: list[DualServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "alerts", "--port", "8080", "--internal-port", "8080"]) == 2
    assert "the internal port must differ from the public port (8080)" in capsys.readouterr().err
    assert served == []


def test_up_passes_the_internal_ports_in_service_order(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[supervisor.Ports] = []

    def run(_data_dir: Path, ports: supervisor.Ports, **_options: Any) -> int:
        seen.append(ports)
        return 0

    monkeypatch.setattr(supervisor, "run", run)
    assert cli.main(["up", "--internal-ports", "9101,9102,9103,9104,9105"]) == 0
    (ports,) = seen
    assert ports.internal == {
        "connector": 9101,
        "ingestor": 9102,
        "analytics": 9103,
        "alerts": 9104,
        "reports": 9105,
    }
    assert ports.services["connector"] == 8001  # untouched defaults
    assert supervisor.Ports().internal["reports"] == 9005
