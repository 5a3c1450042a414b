"""Benchmark: broadsheet's build of the sample page against plain WeasyPrint.

Both run in this process, interleaved, on the same HTML, so the ratio holds on
a noisy machine. A second part times whole commands (process start included):
`broadsheet build` against a plain `python -c "weasyprint…"` of the same HTML.
Prints times and ratios; asserts nothing (see the targets in the README).
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

from broadsheet.build import build_installment, render_html

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "content" / "changzhi-2025" / "02.md"
ROUNDS = 10


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
        plain_pdf = out / "plain.pdf"

        def plain() -> None:
            weasyprint.HTML(string=html, base_url=base).write_pdf(plain_pdf)

        stages: dict[str, list[float]] = {}

        def ours() -> None:
            built = build_installment(SAMPLE, out)
            for name, seconds in built.timings.stages.items():
                stages.setdefault(name, []).append(seconds)

        plain()  # warm-up: font caches, imports
        ours()
        stages.clear()
        ours_t, plain_t = [], []
        for round_ in range(ROUNDS):
            # alternate who goes first: the machine's drift falls on both sides
            if round_ % 2:
                ours_t.append(timed(ours))
                plain_t.append(timed(plain))
            else:
                plain_t.append(timed(plain))
                ours_t.append(timed(ours))

        print(f"in-process, {ROUNDS} rounds after one warm-up each (median / min):")
        print(
            f"  plain WeasyPrint HTML→PDF : {statistics.median(plain_t):.3f} / {min(plain_t):.3f} s"
        )
        print(
            f"  broadsheet build          : {statistics.median(ours_t):.3f} / {min(ours_t):.3f} s"
        )
        ratio = statistics.median(ours_t) / statistics.median(plain_t)
        best = min(ours_t) / min(plain_t)
        print(
            f"  ratio broadsheet/plain    : {ratio:.3f} / {best:.3f}"
            f"  (overhead {100 * (ratio - 1):+.1f} % / {100 * (best - 1):+.1f} %)"
        )
        print(
            "  broadsheet stages (median): "
            + ", ".join(f"{name} {statistics.median(v):.3f}s" for name, v in stages.items())
        )

        html_file = out / "page.html"
        html_file.write_text(html, encoding="utf-8")
        plain_cmd = [
            sys.executable,
            "-c",
            "import sys, weasyprint; weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])",
            str(html_file),
            str(out / "cmd-plain.pdf"),
        ]
        ours_cmd = [
            str(Path(sys.executable).parent / "broadsheet"),
            "build",
            str(SAMPLE),
            "-o",
            str(out),
        ]
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
        cmd_ratio = statistics.median(cmd_ours) / statistics.median(cmd_plain)
        print(f"  ratio broadsheet/plain    : {cmd_ratio:.3f}")


if __name__ == "__main__":
    main()
