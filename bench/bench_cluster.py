"""Benchmark: a generated series (N installments × 5 variants) built three ways by whole
commands, interleaved round by round: the local pool (--jobs 2), a Dask LocalCluster of one
worker and one of two workers (one thread each). Medians with min–max.

Targets (issue 14): two workers ≥ 1.7× one worker; the cluster's overhead ≤ 10 % over the
local pool at equal parallelism. Also the bytes a job ships each way, and on paper the wall
time of a 3,650-installment rebuild on 20 workers from the measured per-job time. Prints
figures; asserts nothing.

    python bench/bench_cluster.py [--installments 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import resource
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
sys.path.insert(0, str(REPO / "src"))

from conftest import make_project  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "series-demo"
VARIANTS = 5
# the rebuild the issue prices: ten years of a daily series on twenty workers
CATALOGUE, CLUSTER_WORKERS = 3650, 20


def make_series(project: Path, installments: int) -> Path:
    """The demo series with ``installments`` installments: own number, date and headline."""
    series = project / "content" / "bench"
    series.mkdir(parents=True)
    shutil.copy(FIXTURE / "series.yaml", series)
    Image.new("RGB", (2400, 320), (90, 120, 60)).save(series / "photo.png")
    text = (FIXTURE / "01.md").read_text(encoding="utf-8")
    for number in range(1, installments + 1):
        page = re.sub(r"(?m)^number: \d+", f"number: {number}", text)
        page = re.sub(r"(?m)^date: 2026-01-15", f"date: 2026-{1 + number // 28:02d}-"
                      f"{1 + number % 28:02d}", page)  # fmt: skip
        page = page.replace("测试标题第1号", f"测试标题第{number}号")
        (series / f"{number:02d}.md").write_text(page, encoding="utf-8")
    return series


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from broadsheet.cli import run; run()", *args]


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds of a whole command, and the CPU seconds of its own process."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("BROADSHEET_SCHEDULER", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def shipped(series: Path, out: Path) -> dict[str, float]:
    """Bytes per job: what a task pickles to (its own files and facts), the shared layout
    files (once per worker), and what comes back (PDF, HTML, an archive's PNG)."""
    from broadsheet.jobs.cluster import task_of
    from broadsheet.jobs.plan import plan
    from broadsheet.jobs.runner import Prepared, prepare
    from broadsheet.jobs.targets import EditionTarget

    jobs, _ = plan(series)
    sent, shared = [], 0
    for job in jobs:
        prepared = prepare(job, EditionTarget(out / "probe"), force=True)
        assert isinstance(prepared, Prepared)
        task, files = task_of(prepared, thumbnail=job.variant == "archive")
        sent.append(len(pickle.dumps(task)))
        shared = len(pickle.dumps(files))
    back = []
    for job in jobs:
        folder = out / job.series_id / job.slug
        size = sum((folder / f"{job.variant}.{kind}").stat().st_size for kind in ("pdf", "html"))
        back.append(size)
    return {"sent": statistics.mean(sent), "shared": shared, "back": statistics.mean(back)}


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f}s ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--installments", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    import logging

    from distributed import LocalCluster

    logging.getLogger("distributed").setLevel(logging.WARNING)  # the clusters' INFO lines

    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "project")
        series = make_series(project, options.installments)
        jobs = options.installments * VARIANTS
        clusters = {
            workers: LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            for workers in (1, 2)
        }
        ways = {
            "local --jobs 2": command("build", str(series), "-o", f"{tmp}/local", "--jobs", "2"),
            **{
                f"cluster, {n} worker(s)": command(
                    "build",
                    str(series),
                    "-o",
                    f"{tmp}/cluster{n}",
                    "--scheduler",
                    cluster.scheduler_address,
                    "--jobs",
                    str(2 * n),
                )
                for n, cluster in clusters.items()
            },
        }
        try:
            for args in ways.values():
                timed([*args, "--force", "-q"])  # warm-up: fonts, the workers' engine
            walls: dict[str, list[float]] = {name: [] for name in ways}
            cpus: dict[str, list[float]] = {name: [] for name in ways}
            names = list(ways)
            for round_ in range(options.rounds):
                # each round another order: the machine's drift falls on every way
                shift = round_ % len(names)
                for name in names[shift:] + names[:shift]:
                    wall, cpu = timed([*ways[name], "--force", "-q"])
                    walls[name].append(wall)
                    cpus[name].append(cpu)
                    print(f"round {round_ + 1}: {name:22} {wall:6.2f}s", flush=True)
            # the client's fixed cost (start, imports, connecting): a command of one job
            one_job = [
                *ways[names[2]],
                "--force",
                "-q",
                "--installment",
                "1",
                "--variant",
                "screen",
            ]
            fixed = statistics.median(timed(one_job)[1] for _ in range(3))
        finally:
            for cluster in clusters.values():
                cluster.close()
        sizes = shipped(series, Path(tmp) / "cluster2")

    local, one, two = (statistics.median(walls[name]) for name in names)
    print(f"\n{options.installments} installments × {VARIANTS} variants = {jobs} jobs, "
          f"{options.rounds} rounds (median, min–max)")  # fmt: skip
    for name in names:
        client = statistics.median(cpus[name])
        print(f"  {name:22} {summary(walls[name])}  CPU of the command's processes {client:.2f}s")
    print(f"  2 workers vs 1 worker: {one / two:.2f}× faster (target ≥ 1.70×)")
    print(f"  cluster (2 workers) vs local --jobs 2: {100 * (two / local - 1):+.1f} % "
          "(target ≤ +10 %)")  # fmt: skip
    print(
        f"  bytes per job: sent {sizes['sent'] / 1024:.1f} KiB (its own files and facts), "
        f"back {sizes['back'] / 1024:.1f} KiB (PDF + HTML); "
        f"layout files {sizes['shared'] / 1024:.1f} KiB once per worker"
    )
    per_job = one / jobs  # one worker's wall time per job: the worker's time it takes
    # what the machine running the command spends per job, its fixed cost aside
    client = (statistics.median(cpus[names[2]]) - fixed) / (jobs - 1)
    total = CATALOGUE * VARIANTS
    on_workers = total * per_job / CLUSTER_WORKERS
    print(
        f"  on paper: {CATALOGUE} installments × {VARIANTS} = {total} jobs at {per_job:.3f} s "
        f"a job on {CLUSTER_WORKERS} workers: {on_workers / 60:.1f} min; the client spends "
        f"{fixed:.2f} s once and {client * 1000:.0f} ms CPU a job, "
        f"{total * client / 60:.1f} min in all "
        f"({'not ' if total * client < on_workers else ''}the bound)"
    )


if __name__ == "__main__":
    main()
