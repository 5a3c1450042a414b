"""Benchmark: rebuilds with nothing changed, as whole commands against a full build.

Runs, paired and interleaved (each round runs every command once, in a
rotating order), on a copy of the sample series (one installment, five
variants):

- ``broadsheet build SERIES --force``            a full build of the five variants,
- ``broadsheet build SERIES``                    nothing changed: every output up to date,
- ``broadsheet archive SERIES --to DIR``         nothing changed: the archived edition up to date.

Prints medians with min–max and the ratios to the full build. Process start and
imports are included: this is what a desk editor waits for.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "broadsheet"
ROUNDS = 5


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(REPO / "layouts", project / "layouts")
        shutil.copytree(REPO / "content" / "changzhi-2025", project / "content" / "changzhi-2025")
        series = project / "content" / "changzhi-2025"
        out, archive = project / "output", project / "archive"
        commands = {
            "full build (--force)": [str(BIN), "build", str(series), "-o", str(out), "--force"],
            "build, nothing changed": [str(BIN), "build", str(series), "-o", str(out)],
            "archive, nothing changed": [str(BIN), "archive", str(series), "--to", str(archive)],
        }
        for command in commands.values():
            subprocess.run(command, check=True, capture_output=True)  # warm-up, first outputs
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for round_ in range(ROUNDS):
            for name in names[round_ % 3 :] + names[: round_ % 3]:
                times[name].append(timed(commands[name]))
    full = statistics.median(times[names[0]])
    print(f"whole commands, {ROUNDS} rounds interleaved (median, min–max, ratio to full):")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:<26} {median:6.2f} s  ({min(values):.2f}–{max(values):.2f})"
            f"  {median / full:5.2f}×"
        )


if __name__ == "__main__":
    main()
