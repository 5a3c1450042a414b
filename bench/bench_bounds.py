"""Benchmark: what the bounds, the lock and the journalled commit cost, whole commands.

Runs this checkout and a baseline revision (default: b78cbd2, the last commit
before issue 11's bounds) on the same copy of the sample series, paired and
interleaved (the order alternates every round), each command a process of its
own as a desk editor runs it:

- ``build SERIES -o OUT --force -j 2``   the five variants, laid out and written,
- ``build SERIES -o OUT``                 nothing changed: the lock, recovery's scan, the keys,
- ``check SERIES``                        every stage in memory, nothing written.

Prints medians with min–max and the per-round ratio now / baseline.

    .venv/bin/python bench/bench_bounds.py [--baseline REV] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = str(Path(sys.executable).parent / "python")
ENTRY = "import sys; from broadsheet.cli import main; sys.exit(main())"


def command_line(kind: str, series: Path, out: Path) -> list[str]:
    if kind == "full build":
        return ["build", str(series), "-o", str(out), "--force", "-j", "2", "-q"]
    if kind == "no-change rebuild":
        return ["build", str(series), "-o", str(out), "-q"]
    return ["check", str(series), "-q"]


def timed(checkout: Path, arguments: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", ENTRY, *arguments], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="b78cbd2")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    kinds = ("full build", "no-change rebuild", "check")
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        git = ["git", "-C", str(REPO), "worktree"]
        subprocess.run([*git, "add", "--detach", str(base), args.baseline], check=True)
        try:
            checkouts = {"baseline": base, "now": REPO}
            for name, checkout in checkouts.items():
                # each its own project (layouts) and series copy, warmed once
                project = Path(tmp) / f"project-{name}"
                shutil.copytree(checkout / "layouts", project / "layouts")
                shutil.copytree(checkout / "content", project / "content")
                series, out = project / "content" / "changzhi-2025", project / "out"
                for kind in kinds:
                    timed(checkout, command_line(kind, series, out))
            for index in range(args.rounds):
                order = list(checkouts.items())
                for name, checkout in order if index % 2 == 0 else order[::-1]:
                    project = Path(tmp) / f"project-{name}"
                    series, out = project / "content" / "changzhi-2025", project / "out"
                    for kind in kinds:
                        seconds = timed(checkout, command_line(kind, series, out))
                        times.setdefault((name, kind), []).append(seconds)
        finally:
            subprocess.run([*git, "remove", "--force", str(base)], check=True)
    print(f"sample series, 5 variants; {args.rounds} rounds interleaved; median (min–max) in s")
    print(f"{'':18} {'baseline ' + args.baseline:>24} {'now':>24} {'ratio now/baseline':>22}")
    for kind in kinds:
        now, then = times[("now", kind)], times[("baseline", kind)]
        ratios = [a / b for a, b in zip(now, then, strict=True)]
        print(f"{kind:18} {summary(then):>24} {summary(now):>24} {summary(ratios):>22}")


if __name__ == "__main__":
    main()
