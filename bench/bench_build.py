"""Benchmark: broadsheet's build of the sample page against plain WeasyPrint.

Three ways of making the same PDF run in this process, interleaved, so their
ratios hold on a noisy machine:

- plain WeasyPrint on broadsheet's HTML (no Chinese line layout),
- WeasyPrint with broadsheet's line-layout seam (the engine work broadsheet asks for),
- a whole broadsheet build (load, validate, normalise, render, typeset, check, write).

Then the stage split of the build, and whole commands with process start.
Prints times and ratios; asserts nothing (targets are in the README).
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import weasyprint

from broadsheet.engine.lines import cjk_line_layout
from broadsheet.pipeline import build_installment, render_html

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "content" / "changzhi-2025" / "02.md"
ROUNDS = 8


def timed(fn) -> float:
    gc.collect()  # neither side pays for the other's garbage
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    html = render_html(SAMPLE).html
    base = SAMPLE.parent.resolve().as_uri() + "/"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        stages: dict[str, list[float]] = {}

        def plain() -> None:
            weasyprint.HTML(string=html, base_url=base).write_pdf(out / "plain.pdf")

        def seam() -> None:
            with cjk_line_layout():
                weasyprint.HTML(string=html, base_url=base).write_pdf(out / "seam.pdf")

        def ours() -> None:
            built = build_installment(SAMPLE, out)
            for name, seconds in built.timings.stages.items():
                stages.setdefault(name, []).append(seconds)

        runs = {"plain": plain, "seam": seam, "broadsheet": ours}
        for fn in runs.values():
            fn()  # warm-up: font caches, imports
        stages.clear()
        times: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(ROUNDS):
            order = list(runs.items())
            # rotate who goes first: the machine's drift falls on everyone
            for name, fn in order[round_ % 3 :] + order[: round_ % 3]:
                times[name].append(timed(fn))

        med = {name: statistics.median(v) for name, v in times.items()}
        best = {name: min(v) for name, v in times.items()}
        print(
            f"in process, {ROUNDS} rounds after a warm-up (median / min; indicative only:"
            " a split in one process drifts with what ran before it, bench_whole.py"
            " times whole commands):"
        )
        labels = {
            "plain": "plain WeasyPrint HTML→PDF",
            "seam": "WeasyPrint + line-layout seam",
            "broadsheet": "broadsheet build",
        }
        for name, label in labels.items():
            print(f"  {label:<30}: {med[name]:.3f} / {best[name]:.3f} s")
        print(
            f"  orchestration overhead (build / seam)  : "
            f"{100 * (med['broadsheet'] / med['seam'] - 1):+.1f} % / "
            f"{100 * (best['broadsheet'] / best['seam'] - 1):+.1f} %"
        )
        print(
            f"  Chinese line layout cost (seam / plain): "
            f"{100 * (med['seam'] / med['plain'] - 1):+.1f} % / "
            f"{100 * (best['seam'] / best['plain'] - 1):+.1f} %"
        )
        total = sum(statistics.median(v) for v in stages.values())
        print("  build stages (median, share of the build):")
        for name, values in stages.items():
            value = statistics.median(values)
            print(f"    {name:<8} {value:.4f} s  {100 * value / total:5.1f} %")

        html_file = out / "page.html"
        html_file.write_text(html, encoding="utf-8")
        plain_cmd = [
            sys.executable,
            "-c",
            "import sys, weasyprint; weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])",
            str(html_file),
            str(out / "cmd-plain.pdf"),
        ]
        broadsheet = Path(sys.executable).parent / "broadsheet"
        ours_cmd = [str(broadsheet), "build", str(SAMPLE), "-o", str(out), "--force"]
        ours_cmd += ["--variant", "print"]
        cmd_ours, cmd_plain = [], []
        for _ in range(3):
            cmd_ours.append(
                timed(lambda: subprocess.run(ours_cmd, check=True, capture_output=True))
            )
            cmd_plain.append(
                timed(lambda: subprocess.run(plain_cmd, check=True, capture_output=True))
            )
        print("whole commands, median of 3 (process start and imports included):")
        print(f"  python -c weasyprint      : {statistics.median(cmd_plain):.3f} s")
        print(f"  broadsheet build          : {statistics.median(cmd_ours):.3f} s")
        ratio = statistics.median(cmd_ours) / statistics.median(cmd_plain)
        print(f"  ratio broadsheet/plain    : {ratio:.3f}")


if __name__ == "__main__":
    main()
