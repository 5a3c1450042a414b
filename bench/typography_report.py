"""Typography report: the sample page set by plain WeasyPrint and by broadsheet.

"Before" is the same content and layout rendered by WeasyPrint alone: no text
stage marks, no line-layout seam. "After" is broadsheet's build. For each rule
of clreq / GB/T 15834 it prints the violations counted on the PDF, with the
measuring code of the tests (tests/pdfread.py). Asserts nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import weasyprint  # noqa: E402
from markupsafe import escape  # noqa: E402
from pdfread import block_chars, columns, justified_lines, lines_of, page_chars  # noqa: E402

from broadsheet.pipeline import build_installment, render_html  # noqa: E402
from broadsheet.text import markdown as markdown_blocks  # noqa: E402
from broadsheet.text.normalise import HAN_RE  # noqa: E402

SAMPLE = REPO / "content" / "changzhi-2025" / "02.md"
BLOCKS = [
    ("body", "Noto-Serif-CJK-SC", 13.0, 26.0),
    ("note", "LXGW-WenKai", 15.0, 30.0),
    ("standfirst", "LXGW-WenKai", 16.0, 32.0),
    ("pull quote", "LXGW-WenKai-Bold", 24.0, 48.0),
]
START = set("。，、；：？！”’）》」』】〕…—%")
END = set("“‘（《「『【〔")
CJK = r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef“”‘’]"
CJK_SPACE = re.compile(f"{CJK}[ \u00a0\u3000]+{CJK}")


def plain_pdf(out: Path) -> Path:
    """The page as WeasyPrint alone sets it."""
    with contextlib.ExitStack() as stack:
        original = markdown_blocks.typeset_text
        markdown_blocks.typeset_text = lambda text, paragraph_end=False: escape(text)
        stack.callback(setattr, markdown_blocks, "typeset_text", original)
        html = render_html(SAMPLE).html
    path = out / "plain.pdf"
    weasyprint.HTML(string=html, base_url=SAMPLE.parent.as_uri() + "/").write_pdf(path)
    return path


def measure(pdf: Path) -> dict[str, str]:
    chars = page_chars(pdf)
    worst, short, total, starts, ends, orphans, latin_gaps, edge_gaps = 0.0, 0, 0, 0, 0, 0, [], 0
    for _, font, size, indent in BLOCKS:
        lines = justified_lines(block_chars(chars, font, size), indent)
        for j in lines:
            starts += j.line.chars[0]["text"] in START
            ends += j.line.chars[-1]["text"] in END
            if j.last_of_paragraph:
                kept = [c for c in j.line.chars if c["text"] not in START]
                orphans += len(kept) < 2
                continue
            total += 1
            worst = max(worst, abs(j.distance))
            short += abs(j.distance) > 0.5
        for column in columns(block_chars(chars, font, size)):
            col_lines = lines_of(column)
            left = min(line.left for line in col_lines)
            for line in col_lines:
                edge_gaps += not (
                    abs(line.left - left) < 0.3 or abs(line.left - left - indent) < 0.3
                )
                for a, b in itertools.pairwise(line.chars):
                    han = (HAN_RE.match(a["text"]), HAN_RE.match(b["text"]))
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
        "pdftotext spaces between Chinese": str(poppler),
        "lines starting with a closing mark": str(starts),
        "lines ending with an opening mark": str(ends),
        "paragraph last lines with one character": str(orphans),
        "Han–Latin gaps": f"{len(latin_gaps)}, {gaps}",
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        before = measure(plain_pdf(out))
        after = measure(build_installment(SAMPLE, out).written[1])
    width = max(len(k) for k in before)
    print(f"{'rule':<{width}}  {'plain WeasyPrint':>18}  {'broadsheet':>12}")
    for key in before:
        print(f"{key:<{width}}  {before[key]:>18}  {after[key]:>12}")


if __name__ == "__main__":
    main()
