"""Benchmark: what composing a page costs, against one plain WeasyPrint layout-and-write.

For each page (the sample, and three installments of the composition fixture
series of different shape), paired and interleaved rounds of two whole commands:

- ``broadsheet build NN.md --variant print --force``: load, measure, compose,
  lay out once, thread the columns, write PDF/X-4, preflight;
- ``weasyprint final.html out.pdf --pdf-variant pdf/x-4``: the page broadsheet
  composed (its HTML output), laid out and written once by WeasyPrint's own
  command, no composing, no finishing.

Prints medians with min–max, the ratio, the candidates the composer scored,
and broadsheet's own stage split. The whole commands differ by more than
composing (broadsheet converts photos to CMYK, finishes PDF/X and preflights),
so the composition's own cost is also timed in one warmed process, paired and
interleaved: measure + compose + lay out + write against lay out + write of the
same final page with the same engine (target ≤ 1.5; in-process, indicative: it
drifts with what ran before it).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE = REPO / "tests" / "fixtures" / "composed-series"
ROUNDS = 5
PAGES = [("changzhi-2025", "02"), ("luzhou", "02"), ("luzhou", "03"), ("luzhou", "05")]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def project_copy(root: Path) -> Path:
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copytree(REPO / "content" / "changzhi-2025", root / "content" / "changzhi-2025")
    series = root / "content" / "luzhou"
    shutil.copytree(FIXTURE, series, ignore=shutil.ignore_patterns("photos", "__pycache__"))
    sys.path.insert(0, str(FIXTURE))
    from make_photos import make_photos

    make_photos(series)
    return root


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = project_copy(Path(tmp) / "project")
        print(f"whole commands, {ROUNDS} rounds interleaved (median, min–max):")
        for series, number in PAGES:
            page = root / "content" / series / f"{number}.md"
            out = root / "output"
            build = [str(BIN / "broadsheet"), "build", str(page), "--variant", "print"]
            build += ["-o", str(out), "--force"]
            report = subprocess.run([*build, "--json", "-v"], capture_output=True, text=True)
            result = json.loads(report.stdout)["results"][0]
            html = next(Path(p) for p in result["written"] if p.endswith(".html"))
            plain = [str(BIN / "weasyprint"), str(html), str(Path(tmp) / "plain.pdf")]
            plain += ["--pdf-variant", "pdf/x-4"]
            commands = {"broadsheet build": build, "weasyprint": plain}
            times: dict[str, list[float]] = {name: [] for name in commands}
            for round_ in range(ROUNDS):
                order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
                for name in order:
                    times[name].append(timed(commands[name]))
            medians = {name: statistics.median(values) for name, values in times.items()}
            fit = result["fit"] or {}
            print(f"{series}/{number} print — {fit.get('arrangement', '?')}")
            print(f"  fit {fit.get('fit')}, candidates scored {fit.get('candidates')}")
            for name, values in times.items():
                print(f"  {name:<18} {medians[name]:6.2f} s  ({min(values):.2f}–{max(values):.2f})")
            ratio = medians["broadsheet build"] / medians["weasyprint"]
            print(f"  ratio {ratio:.2f} (target ≤ 1.5)")
            stages = result.get("stages")
            if stages:
                split = ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
                print(f"  stages (in-process, indicative): {split}")


def in_process(root: Path) -> None:
    from broadsheet import engine
    from broadsheet.pipeline import render_html, typeset_edition

    print(f"in one warmed process, {ROUNDS} rounds interleaved (indicative):")
    for series, number in PAGES:
        page = root / "content" / series / f"{number}.md"
        typeset_edition(render_html(page, "print"))  # warm fonts, caches
        composed, plain = [], []
        for _ in range(ROUNDS):
            built = render_html(page, "print")
            stages = typeset_edition(built).timings.stages
            composed.append(stages["measure"] + stages["compose"] + stages["layout"])
            roots = built.project.allowed_roots(built.layout.folders)
            start = time.perf_counter()
            laid_out = engine.lay_out(built.html, page.parent, roots, page, [])
            laid_out.write_pdf("pdf/x-4")
            plain.append(time.perf_counter() - start)
            composed[-1] += stages["pdf"]
        c, p = statistics.median(composed), statistics.median(plain)
        print(
            f"  {series}/{number}: composed {c:.2f} s ({min(composed):.2f}–{max(composed):.2f}),"
            f" one layout+write {p:.2f} s ({min(plain):.2f}–{max(plain):.2f}),"
            f" ratio {c / p:.2f} (target ≤ 1.5)"
        )


if __name__ == "__main__":
    main()
    with tempfile.TemporaryDirectory() as tmp:
        in_process(project_copy(Path(tmp) / "project"))
