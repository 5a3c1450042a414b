"""Run the broadsheet command in a child process and measure its time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The command runs in a child of its own, so that its peak resident memory is
# its own (ru_maxrss of this test process would be the largest of the session).
_WRAPPER = """
import json, os, resource, sys
from broadsheet.cli import main
try:
    main(sys.argv[1:], prog_name="broadsheet")
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
finally:
    # VmHWM: this process's own peak (ru_maxrss would carry the forking
    # test process's over exec); workers are children of this one
    with open("/proc/self/status") as status:
        own = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    with open(os.environ["MEASURED_REPORT"], "w") as handle:
        json.dump({"peak_kib": peak}, handle)
sys.exit(code)
"""


@dataclass
class Measured:
    code: int
    out: str
    err: str
    seconds: float
    peak_mib: float

    @property
    def output(self) -> str:
        return self.out + self.err


def run_measured(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> Measured:
    report = cwd / ".measured.json"
    environment = {**os.environ, "MEASURED_REPORT": str(report), "COLUMNS": "200", **(env or {})}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.perf_counter() - start
    peak = json.loads(report.read_text())["peak_kib"] / 1024
    report.unlink()
    return Measured(done.returncode, done.stdout, done.stderr, seconds, peak)
