"""Benchmark: the fixture series (3 installments × 4 variants) built whole, in parallel,
and again with nothing changed. Ratios come from runs in this one process.

Targets (README): a no-change rebuild takes ≤ 5 % of a full build; --jobs 2 is
≥ 1.7× faster than --jobs 1 on two cores. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_project  # noqa: E402

from broadsheet.jobs.plan import plan  # noqa: E402
from broadsheet.jobs.runner import run_jobs  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "series-demo"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "project")
        bench_sample(project / "content" / "changzhi-2025", project / "sample-output")
        series = project / "content" / "demo"
        shutil.copytree(FIXTURE, series)
        Image.linear_gradient("L").resize((3000, 400)).convert("RGB").save(series / "photo.png")
        jobs, _ = plan(series)
        out = project / "output"

        def full(workers: int) -> None:
            results = run_jobs(jobs, out, workers, force=True)
            assert all(r.status == "built" for r in results), [r.errors for r in results]

        full(2)  # warm-up: font caches
        one, two = [], []
        for round_ in range(2):
            # alternate the order: the machine's drift falls on both
            pair = [(one, 1), (two, 2)] if round_ % 2 == 0 else [(two, 2), (one, 1)]
            for bucket, workers in pair:
                bucket.append(timed(lambda w=workers: full(w)))
        unchanged = []
        for _ in range(5):
            unchanged.append(timed(lambda: run_jobs(plan(series)[0], out, 2)))
        # The same as whole commands, each a fresh process with cold caches.
        command = [str(Path(sys.executable).parent / "broadsheet"), "build", str(series)]
        command += ["-o", str(out), "--jobs", "2"]
        cold_full = timed(
            lambda: subprocess.run([*command, "--force"], check=True, capture_output=True)
        )
        cold_nothing = statistics.median(
            timed(lambda: subprocess.run(command, check=True, capture_output=True))
            for _ in range(3)
        )

    full_one, full_two = statistics.median(one), statistics.median(two)
    nothing = statistics.median(unchanged)
    print(
        f"{len(jobs)} jobs on {os.cpu_count()} cores (median of runs in this process; indicative)"
    )
    print(f"  full build, --jobs 1         : {full_one:.2f} s")
    print(
        f"  full build, --jobs 2         : {full_two:.2f} s  (speed-up {full_one / full_two:.2f}x)"
    )
    print(
        f"  nothing changed, --jobs 2    : {nothing:.3f} s  "
        f"({100 * nothing / full_two:.1f} % of the full --jobs 2 build, "
        f"{100 * nothing / full_one:.1f} % of --jobs 1)"
    )
    print("  as whole commands (process start and imports included):")
    print(f"    broadsheet build --force --jobs 2 : {cold_full:.2f} s")
    print(
        f"    broadsheet build --jobs 2, nothing changed: {cold_nothing:.2f} s "
        f"({100 * cold_nothing / cold_full:.1f} %)"
    )


def bench_sample(series: Path, out: Path) -> None:
    """The sample series (one installment, four variants): full build against a rebuild
    with nothing changed, both in this process."""
    jobs, _ = plan(series)
    run_jobs(jobs, out, 2, force=True)  # warm-up
    full = statistics.median(timed(lambda: run_jobs(jobs, out, 2, force=True)) for _ in range(3))
    nothing = statistics.median(timed(lambda: run_jobs(plan(series)[0], out, 2)) for _ in range(5))
    print(f"sample series, {len(jobs)} jobs (median of runs in this process; indicative)")
    print(f"  full build, --jobs 2         : {full:.2f} s")
    print(f"  nothing changed, --jobs 2    : {nothing:.3f} s  ({100 * nothing / full:.1f} %)")


if __name__ == "__main__":
    main()
