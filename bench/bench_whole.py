"""Benchmark: whole commands as a desk runs them, against plain WeasyPrint and Chromium.

Every figure is a whole process (Python's start, imports, font loading and the
interpreter's exit included), paired and interleaved (the order of the commands
turns every round), printed as the median with min–max. Nothing here asserts:
it prints what issue 12's targets are measured by.

1. The sample page, every variant: ``broadsheet build 02.md --variant V --force``
   of this checkout and of a baseline revision, against ``weasyprint`` on the
   HTML broadsheet wrote for V (same PDF variant) and, where Debian's
   ``chromium`` is installed, ``chromium --headless --print-to-pdf`` on it.
2. ``broadsheet --help`` and a no-change rebuild, against ``python -c pass``.
3. The fixture series (15 jobs) with ``--jobs 1`` and ``--jobs 2``.
4. Peak resident memory (VmHWM) of the main process and of the largest worker,
   for the fixture series and a generated 20-installment series, ``--jobs`` 1, 2, 4.

    .venv/bin/python bench/bench_whole.py [--baseline REV] [--rounds N] [--only 1,2,3,4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PYTHON = str(BIN / "python")
# the console script's own entry (run: it leaves without the interpreter's teardown)
ENTRY = (
    "import sys; import broadsheet.cli as c; c.run() if hasattr(c, 'run') else sys.exit(c.main())"
)
PDF_VARIANTS = {"print": "pdf/x-4", "tabloid": "pdf/x-4", "archive": "pdf/a-3b"}
CHROMIUM = shutil.which("chromium")
# The peak of the process itself and of its largest worker: resource's maxrss of
# the process and of its (waited-for) children, read after the command ran.
MEASURED = (
    "import resource, sys\n"
    "from broadsheet.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:], prog_name='broadsheet')\n"
    "except SystemExit:\n"
    "    pass\n"
    "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(own, workers, file=sys.stderr)\n"
)


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} ({min(values):.3f}–{max(values):.3f})"


def interleaved(commands: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    for run in commands.values():
        run()  # warm: the page cache, compiled templates, the fontconfig cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for index in range(rounds):
        for name in names if index % 2 == 0 else names[::-1]:
            times[name].append(commands[name]())
    return times


def broadsheet(checkout: Path, arguments: list[str]) -> Callable[[], float]:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    return lambda: timed([PYTHON, "-c", ENTRY, *arguments], env)


def project_copy(root: Path, checkout: Path) -> Path:
    shutil.copytree(checkout / "layouts", root / "layouts")
    shutil.copytree(REPO / "content", root / "content")
    demo = root / "content" / "demo"
    shutil.copytree(REPO / "tests" / "fixtures" / "series-demo", demo)
    # the picture the fixture's installments show (tests draw it too)
    Image.linear_gradient("L").resize((3000, 400)).convert("RGB").save(demo / "photo.png")
    return root


def generated_series(project: Path, count: int = 20) -> Path:
    """``count`` installments made of the sample's text, each its own number and date."""
    series = project / "content" / "generated"
    series.mkdir()
    shutil.copy(project / "content" / "changzhi-2025" / "series.yaml", series)
    sample = (project / "content" / "changzhi-2025" / "02.md").read_text(encoding="utf-8")
    for number in range(1, count + 1):
        text = sample.replace("number: 2\n", f"number: {number}\n", 1)
        text = text.replace("date: 2025-12-01", f"date: 2025-12-{number:02d}", 1)
        (series / f"{number:02d}.md").write_text(text, encoding="utf-8")
    return series


def sample_variants(checkouts: dict[str, Path], tmp: Path, rounds: int) -> None:
    print(f"\n1. The sample page, one variant a command; {rounds} rounds interleaved, s")
    for variant in ("print", "tabloid", "a4", "screen", "archive"):
        commands: dict[str, Callable[[], float]] = {}
        html = None
        for name, checkout in checkouts.items():
            project = tmp / f"project-{name}"
            out = tmp / f"out-{name}"
            page = project / "content" / "changzhi-2025" / "02.md"
            arguments = ["build", str(page), "--variant", variant, "-o", str(out), "--force"]
            commands[f"broadsheet {name}"] = broadsheet(checkout, arguments)
            if name == "now":
                commands[f"broadsheet {name}"]()
                html = out / "changzhi-2025" / "02" / f"{variant}.html"
        assert html is not None and html.exists(), html
        plain = [str(BIN / "weasyprint"), str(html), str(tmp / "plain.pdf")]
        if variant in PDF_VARIANTS:
            plain += ["--pdf-variant", PDF_VARIANTS[variant]]
        commands["weasyprint"] = lambda c=plain: timed(c)
        if CHROMIUM:
            chromium = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu"]
            chromium += ["--no-pdf-header-footer", f"--print-to-pdf={tmp / 'chromium.pdf'}"]
            chromium.append(html.as_uri())
            commands["chromium"] = lambda c=chromium: timed(c)
        times = interleaved(commands, rounds)
        base = statistics.median(times["weasyprint"])
        print(f"  {variant}")
        for name, values in times.items():
            ratios = [v / w for v, w in zip(values, times["weasyprint"], strict=True)]
            print(
                f"    {name:<22} {summary(values)}   ×weasyprint {statistics.median(ratios):.2f}"
                f" ({min(ratios):.2f}–{max(ratios):.2f})"
            )
        if "broadsheet baseline" in times:
            pairs = zip(times["broadsheet now"], times["broadsheet baseline"], strict=True)
            ratios = [a / b for a, b in pairs]
            print(f"    now / baseline {summary(ratios)}; weasyprint median {base:.3f}")


def start_costs(checkouts: dict[str, Path], tmp: Path, rounds: int) -> None:
    print(f"\n2. Start: --help and a no-change rebuild; {rounds} rounds interleaved, s")
    commands: dict[str, Callable[[], float]] = {
        "python -c pass": lambda: timed([PYTHON, "-c", "pass"])
    }
    for name, checkout in checkouts.items():
        series = tmp / f"project-{name}" / "content" / "changzhi-2025"
        out = tmp / f"unchanged-{name}"
        broadsheet(checkout, ["build", str(series), "-o", str(out), "-q"])()
        commands[f"--help {name}"] = broadsheet(checkout, ["--help"])
        commands[f"no-change {name}"] = broadsheet(
            checkout, ["build", str(series), "-o", str(out), "-q"]
        )
    for name, values in interleaved(commands, rounds).items():
        print(f"    {name:<22} {summary(values)}")


def parallel(checkouts: dict[str, Path], tmp: Path, rounds: int) -> None:
    print(f"\n3. The fixture series, --jobs 1 and 2, full rebuilds (--force); {rounds} rounds")
    now = checkouts["now"]
    series = {
        "series-demo, 3 installments × 5 variants": tmp / "project-now" / "content" / "demo",
        # 06 and 07 are the fixture's pages that do not fit (errors by design)
        "composed-series 01–05 × 3 variants (photos)": composed_series(tmp / "project-now"),
    }
    for name, folder in series.items():
        out = tmp / f"parallel-{folder.name}"
        commands = {
            f"--jobs {n}": broadsheet(
                now,
                ["build", str(folder), "-o", str(out), "--force", "-j", str(n), "-q"]
                + (["--installment", "1-5"] if folder.name == "luzhou" else []),
            )
            for n in (1, 2)
        }
        times = interleaved(commands, rounds)
        print(f"  {name}")
        for command, values in times.items():
            print(f"    {command:<22} {summary(values)}")
        speedups = [a / b for a, b in zip(times["--jobs 1"], times["--jobs 2"], strict=True)]
        print(f"    speed-up --jobs 2 over --jobs 1: {summary(speedups)}")


def composed_series(project: Path) -> Path:
    """The composition fixture series with its photos drawn (as the tests draw them)."""
    fixture = REPO / "tests" / "fixtures" / "composed-series"
    series = project / "content" / "luzhou"
    if not series.exists():
        ignore = shutil.ignore_patterns("photos", "__pycache__")
        shutil.copytree(fixture, series, ignore=ignore)
        sys.path.insert(0, str(fixture))
        from make_photos import make_photos

        make_photos(series)
    return series


def memory(checkouts: dict[str, Path], tmp: Path) -> None:
    print("\n4. Peak resident memory (MiB): the main process / its largest worker")
    project = tmp / "project-now"
    env = {**os.environ, "PYTHONPATH": str(checkouts["now"] / "src")}
    series = {
        "fixture series, 15 jobs": project / "content" / "demo",
        "generated, 20 installments × 5": generated_series(project),
    }
    for name, folder in series.items():
        for jobs in (1, 2, 4):
            out = tmp / "memory"
            shutil.rmtree(out, ignore_errors=True)
            arguments = ["build", str(folder), "-o", str(out), "-j", str(jobs), "--json"]
            done = subprocess.run(
                [PYTHON, "-c", MEASURED, *arguments], capture_output=True, text=True, env=env
            )
            own, workers = (int(x) / 1024 for x in done.stderr.split()[-2:])
            statuses = [r["status"] for r in json.loads(done.stdout)["results"]]
            built = statuses.count("built")
            peak = f"{own:.0f} / {workers:.0f}" if jobs > 1 else f"{own:.0f}"
            print(f"    {name:<32} --jobs {jobs}: {peak:>11}   ({built}/{len(statuses)} built)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="61b2335", help="before issue 12's work")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="1,2,3,4")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    machine = f"{os.cpu_count()} cores, {platform.platform()}"
    print(f"{platform.node()}: {machine}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = tmp / "baseline"
        git = ["git", "-C", str(REPO), "worktree"]
        subprocess.run(
            [*git, "add", "--detach", str(base), args.baseline], check=True, capture_output=True
        )
        try:
            checkouts = {"now": REPO, "baseline": base}
            for name, checkout in checkouts.items():
                project_copy(tmp / f"project-{name}", checkout)
                # both with bytecode, whatever PYTHONDONTWRITEBYTECODE says
                subprocess.run(
                    [PYTHON, "-m", "compileall", "-q", str(checkout / "src")], check=True
                )
            if "1" in parts:
                sample_variants(checkouts, tmp, args.rounds)
            if "2" in parts:
                start_costs(checkouts, tmp, args.rounds)
            if "3" in parts:
                parallel(checkouts, tmp, max(3, args.rounds // 2))
            if "4" in parts:
                memory(checkouts, tmp)
        finally:
            subprocess.run([*git, "remove", "--force", str(base)], check=True)


if __name__ == "__main__":
    main()
