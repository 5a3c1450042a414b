"""Benchmark: the Chinese line layout against a baseline revision, whole commands.

Builds the sample (print) with this checkout and with a baseline revision
(default: 8cb2e28, the last commit before the clreq line breaking, the
paragraph breaks and the marks font), checked out into a temporary worktree
with its own layouts and run with this virtualenv. Rounds are paired and
interleaved; each prints the whole command's time and broadsheet's own stage
split (``--json``), medians with min–max and the ratio to the baseline. The
issue's targets: the text stage under 5 % of a build, the layout (and the
measuring layout) at most 1.10x the baseline's.

    .venv/bin/python bench/bench_lines.py [--baseline REV] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE = Path("content") / "changzhi-2025" / "02.md"


ENTRY = "import sys; from broadsheet.cli import main; sys.exit(main())"


def imported_from(checkout: Path) -> Path:
    """Where ``checkout``'s run imports broadsheet from (PYTHONPATH must win
    over this virtualenv's editable install)."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    code = "import broadsheet; print(broadsheet.__file__)"
    done = subprocess.run(
        [str(BIN / "python"), "-c", code], check=True, capture_output=True, text=True, env=env
    )
    return Path(done.stdout.strip())


def build(checkout: Path, out: Path) -> tuple[float, dict[str, float]]:
    """One whole ``broadsheet build`` of the sample from ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    command = [str(BIN / "python"), "-c", ENTRY, "build", str(checkout / SAMPLE)]
    command += ["--variant", "print", "-o", str(out), "--force", "--json"]
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    return seconds, json.loads(done.stdout)["results"][0]["stages"]


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="8cb2e28")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            runs: dict[str, list[tuple[float, dict[str, float]]]] = {"baseline": [], "now": []}
            for checkout in (base, REPO):  # warm both (fonts, bytecode)
                assert imported_from(checkout).is_relative_to(checkout), checkout
                build(checkout, Path(tmp) / "warm")
            for index in range(args.rounds):
                order = [("baseline", base), ("now", REPO)]
                for name, checkout in order if index % 2 == 0 else order[::-1]:
                    runs[name].append(build(checkout, Path(tmp) / name))
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)],
                check=True,
                capture_output=True,
            )
    print(f"sample, print; {args.rounds} rounds interleaved; median (min–max) in s")
    print(f"{'':12} {'baseline ' + args.baseline:>24} {'now':>24} {'ratio':>22}")
    rows = [("whole", None), ("text", "text"), ("measure", "measure"), ("layout", "layout")]
    for label, stage in rows:
        values = {
            name: [seconds if stage is None else stages.get(stage, 0.0) for seconds, stages in r]
            for name, r in runs.items()
        }
        ratios = [a / b for a, b in zip(values["now"], values["baseline"], strict=True) if b]
        print(
            f"{label:12} {summary(values['baseline']):>24} {summary(values['now']):>24} "
            f"{summary(ratios):>22}"
        )
    shares = [stages["text"] / sum(stages.values()) for _, stages in runs["now"]]
    print(f"text stage share of broadsheet's stages now: {summary(shares)}")


if __name__ == "__main__":
    main()
