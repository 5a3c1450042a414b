"""Typography report: the corpus at six widths in two faces, and the sample page.

Part 1 sets tests/fixtures/typography-corpus (430 paragraphs of news text) in
one column of each width, in Song (the body) and Kai (notes, standfirst,
quotes), with broadsheet's text stage and line layout, and reads each PDF back:
worst gap between Chinese characters, lines over 0.10 em (explained by the
rules, or not), stretched digits, kinsoku violations, 孤字, stray spaces in
pdftotext's default and -raw modes (on lines within 0.10 em, and on the loose
ones), single marks compressed mid-line. It sets the corpus a second time with
Pango's own line-by-line breaks, to show what the paragraph breaks gain.

Part 2 is the sample page set by plain WeasyPrint and by broadsheet, rule by
rule. Part 3 times the text stage and the layout of the sample (indicative,
in-process). The numbers are measured, nothing is asserted: the tests
(test_typography_corpus.py, test_sample_typography.py) hold the targets.

    .venv/bin/python bench/typography_report.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import corpus  # noqa: E402
from markupsafe import escape  # noqa: E402
from pdfread import BLOCKS, block, columns, justified_lines, lines_of, page_chars  # noqa: E402

from broadsheet.pipeline import build_installment  # noqa: E402
from broadsheet.text import markdown as markdown_blocks  # noqa: E402
from broadsheet.text.normalise import HAN_RE  # noqa: E402

SAMPLE = REPO / "content" / "changzhi-2025" / "02.md"
START = set("。，、；：？！”’）》」』】〕…—%")
END = set("“‘（《「『【〔")
CJK = r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef“”‘’]"
CJK_SPACE = re.compile(f"{CJK}[ \u00a0\u3000]+{CJK}")


def corpus_table(out: Path, quick: bool) -> None:
    if quick:
        corpus.WIDTHS_MM = (52.0, 64.4)
    total = corpus.report_all(out / "total")
    first = {(r.face, r.width_mm): r for r in corpus.report_all(out / "first", first_fit=True)}
    head = (
        f"{'face':5} {'width':>7} {'lines':>6} {'worst gap':>9} {'>0.10 em':>8} "
        f"{'unexpl.':>7} {'first fit':>9} {'digits':>6} {'kinsoku':>7} {'孤字':>3} "
        f"{'spaces':>11} {'-raw':>11} {'singles':>7}"
    )
    print("Corpus: 430 paragraphs, justified lines per setting; '>0.10 em': lines with a")
    print("gap between Chinese characters over 0.10 em (first fit: the same with Pango's")
    print("line-by-line breaks); spaces: pdftotext's between Chinese characters, on lines")
    print("within 0.10 em / on the loose lines; singles: marks compressed alone mid-line.\n")
    print(head)
    for r in total:
        f = first[r.face, r.width_mm]
        print(
            f"{r.face:5} {r.width_mm:5g}mm {r.justified:6} {r.worst_gap:7.2f}em "
            f"{len(r.loose):8} {len(r.unexplained):7} {len(f.loose):9} {len(r.stretched):6} "
            f"{len(r.violations):7} {len(r.lone):3} "
            f"{r.spaces[0]:5} / {r.spaces[1]:4} {r.spaces_raw[0]:5} / {r.spaces_raw[1]:4} "
            f"{len(r.singles):7}"
        )
    print("\nWhy lines are loose (all settings):")
    reasons: dict[str, int] = {}
    for r in total:
        for line in r.loose:
            kind = (line.reason or "unexplained").split(",")[0].split(" ")[0:3]
            key = " ".join(kind)
            reasons[key] = reasons.get(key, 0) + 1
    for key, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"  {count:5}  {key} …")
    print("\nUnexplained loose lines:")
    for r in total:
        for line in r.unexplained:
            print(f"  {r.face} {r.width_mm:g}mm: {line}")


def plain_pdf(out: Path) -> Path:
    """The sample page built with WeasyPrint's own line breaking and
    justification: no text stage marks, no line-layout seam (composed and
    threaded as broadsheet does, so that the pages compare)."""
    from broadsheet.engine import typeset

    with contextlib.ExitStack() as stack:
        original = markdown_blocks.typeset_text
        markdown_blocks.typeset_text = lambda text, paragraph_end=False: escape(text)
        stack.callback(setattr, markdown_blocks, "typeset_text", original)
        seam = typeset.cjk_line_layout
        typeset.cjk_line_layout = contextlib.nullcontext
        stack.callback(setattr, typeset, "cjk_line_layout", seam)
        return build_installment(SAMPLE, out / "plain", "print").written[1]


def sample_rules(pdf: Path) -> dict[str, str]:
    chars = page_chars(pdf)
    worst, short, total, starts, ends, orphans, latin_gaps, worst_gap = 0.0, 0, 0, 0, 0, 0, [], 0.0
    for name, font, size, indent in BLOCKS:
        found, size, indent = block(chars, name, font, size, indent)
        for j in justified_lines(found, indent):
            starts += j.line.chars[0]["text"] in START
            ends += j.line.chars[-1]["text"] in END
            if j.last_of_paragraph:
                kept = [c for c in j.line.chars if c["text"] not in START]
                orphans += len(kept) < 2
                continue
            total += 1
            worst = max(worst, abs(j.distance))
            short += abs(j.distance) > 0.5
        for column in columns(found):
            for line in lines_of(column):
                for a, b in itertools.pairwise(line.chars):
                    han = (HAN_RE.match(a["text"]), HAN_RE.match(b["text"]))
                    if han[0] and han[1]:
                        worst_gap = max(worst_gap, (b["x0"] - a["x1"]) / size)
                    latin = (
                        a["text"].isascii() and a["text"].isalnum(),
                        b["text"].isascii() and b["text"].isalnum(),
                    )
                    if (han[0] and latin[1]) or (latin[0] and han[1]):
                        latin_gaps.append((b["x0"] - a["x1"]) / size)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    poppler = sum(
        len(CJK_SPACE.findall(line))
        for line in text.splitlines()
        if re.sub(r"\s", "", line) != "绿色能源领军企业"
    )
    gaps = f"{min(latin_gaps):.2f}–{max(latin_gaps):.2f} em" if latin_gaps else "none"
    return {
        "justified lines": str(total),
        "worst line end (pt)": f"{worst:.2f}",
        "lines > 0.5 pt off the edge": str(short),
        "worst gap between Han (em)": f"{worst_gap:.3f}",
        "pdftotext spaces between Chinese": str(poppler),
        "lines starting with a closing mark": str(starts),
        "lines ending with an opening mark": str(ends),
        "paragraph last lines with one character": str(orphans),
        "Han–Latin gaps": f"{len(latin_gaps)}, {gaps}",
    }


def sample_table(out: Path) -> None:
    before = sample_rules(plain_pdf(out))
    after = sample_rules(build_installment(SAMPLE, out / "broadsheet", "print").written[1])
    width = max(len(k) for k in before)
    print("\nSample page, print variant")
    print(f"{'rule':<{width}}  {'plain WeasyPrint':>18}  {'broadsheet':>12}")
    for key in before:
        print(f"{key:<{width}}  {before[key]:>18}  {after[key]:>12}")


def stage_times(out: Path, runs: int = 7) -> None:
    """Indicative (in-process, warmed): the text stage's share of a build, and
    the layout with the paragraph breaks against Pango's line by line."""
    from broadsheet.engine import paragraph

    def build() -> dict[str, float]:
        with tempfile.TemporaryDirectory(dir=out) as folder:
            return dict(build_installment(SAMPLE, Path(folder), "print").timings.stages)

    build()
    total_fit, first_fit = [], []
    original = paragraph.next_break
    for _ in range(runs):  # interleaved pairs
        total_fit.append(build())
        paragraph.next_break = lambda *args: None
        try:
            first_fit.append(build())
        finally:
            paragraph.next_break = original

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r.get(key, 0.0) for r in runs)

    whole = [sum(r.values()) for r in total_fit]
    text_share = [r.get("text", 0.0) / sum(r.values()) for r in total_fit]
    print(f"\nSample page, print, {runs} interleaved pairs (indicative, in-process):")
    print(
        f"  text stage: {median(total_fit, 'text') * 1000:.1f} ms, "
        f"{statistics.median(text_share):.1%} of a {statistics.median(whole):.2f} s build "
        f"({min(text_share):.1%}–{max(text_share):.1%})"
    )
    for stage in ("measure", "layout"):
        ratios = [a[stage] / b[stage] for a, b in zip(total_fit, first_fit, strict=True)]
        print(
            f"  {stage}: {median(total_fit, stage) * 1000:.0f} ms with paragraph breaks, "
            f"{median(first_fit, stage) * 1000:.0f} ms line by line: "
            f"{statistics.median(ratios):.3f}x ({min(ratios):.3f}–{max(ratios):.3f})"
        )
    print("  against the revision before this line layout, whole commands: bench/bench_lines.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two widths only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        corpus_table(out, args.quick)
        sample_table(out)
        stage_times(out)
        print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
