"""Run the unit suite with the machine's clock moved, once per instant, side by side.

``make test`` calls this (``make test-moved-clock``) to prove that no test's outcome depends on
the real date or time of day: every component reads "now" from ``shared.clock``, which the
suite pins, so moving the system clock (``--system-time``, time-machine) must change nothing.
The instants cross a month end, a year end and a US/Pacific DST change while the suite runs.
``now`` runs the suite with the clock where it is (the ordinary unit run, side by side with the
moved ones, so ``make test`` pays for one unit run's time, not four).

    python -m tests.moved_clock now 2027-06-30T23:59:00+00:00 2027-12-31T23:59:30+00:00 …
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(instants: list[str]) -> int:
    logs = Path(tempfile.mkdtemp(prefix="lsa-moved-clock-"))
    runs: list[tuple[str, Path, subprocess.Popen[bytes]]] = []
    for instant in instants:
        log = logs / f"{instant.replace(':', '')}.log"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "tests/unit",
            "-q",
            "-p",
            "no:cacheprovider",
            *([] if instant == "now" else [f"--system-time={instant}"]),
        ]
        with log.open("wb") as output:
            runs.append(
                (instant, log, subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT))
            )
    started = time.monotonic()
    failed = 0
    for instant, log, process in runs:
        code = process.wait()
        text = log.read_text(errors="replace")
        summary = text.strip().splitlines()[-1] if text.strip() else "(no output)"
        where = "not moved" if instant == "now" else f"at {instant}"
        print(f"unit suite with the system time {where} (exit {code}):")
        if code != 0:
            failed += 1
            print(text[-20000:])
        print(summary, flush=True)
    if failed:
        print(f"{failed} of {len(runs)} unit runs failed; logs in {logs}")
    else:
        print(f"all {len(runs)} unit runs passed in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
