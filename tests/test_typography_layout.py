"""Chinese line layout measured on PDFs of fixture paragraphs at many column widths."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
import weasyprint

from broadsheet.engine.lines import cjk_line_layout
from broadsheet.text.markdown import render_markdown
from broadsheet.text.normalise import HAN_RE, normalise_text

FIXTURE = Path(__file__).parent / "fixtures" / "typography.md"
MM = 72 / 25.4
LEFT = 10 * MM
SIZE = 13.0
# 11 to 16 characters of 13 pt: the measures of newspaper columns
WIDTHS_MM = [51, 55, 59, 64, 69, 74]
LINE_START_FORBIDDEN = set("。，、；：？！”’）》」』】〕…—%")
LINE_END_FORBIDDEN = set("“‘（《「『【〔")
CJK = r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef“”‘’]"
CJK_SPACE = re.compile(f"{CJK}[ \u00a0\u3000]+{CJK}")  # a space inside a line, not a line break


@dataclass
class Rendered:
    width_mm: int
    pdf: bytes
    lines: list[list[dict]]  # characters of each body line, top to bottom

    @property
    def edge(self) -> float:
        return LEFT + self.width_mm * MM


def _html(width_mm: int) -> str:
    blocks = render_markdown(FIXTURE.read_text(encoding="utf-8"), text_hook=normalise_text).blocks
    parts = []
    for block in blocks:
        if block.kind == "section_heading":
            parts.append("<h2>" + "<br>".join(block.lines) + "</h2>")
        else:
            parts.append(f"<p>{block.html}</p>")
    return f"""<html lang="zh-CN"><style>
        @page {{ size: {width_mm + 20}mm 1600mm; margin: 10mm; }}
        body {{ margin: 0; width: {width_mm}mm; font-family: "Noto Serif CJK SC"; }}
        p {{ font-size: {SIZE}pt; line-height: 1.7; text-align: justify; text-indent: 2em;
             margin: 0; }}
        h2 {{ font-family: "Noto Sans CJK SC"; font-size: 15pt; text-align: center;
              margin: 4pt 0; }}
    </style><body>{"".join(parts)}</body></html>"""


@pytest.fixture(scope="module", params=WIDTHS_MM, ids=lambda w: f"{w}mm")
def rendered(request: pytest.FixtureRequest) -> Rendered:
    with cjk_line_layout():
        pdf = weasyprint.HTML(string=_html(request.param)).write_pdf()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = [c for c in document.pages[0].chars if abs(c["size"] - SIZE) < 0.05]
    rows: dict[float, list[dict]] = {}
    for char in chars:
        key = next((k for k in rows if abs(k - char["top"]) < 2), char["top"])
        rows.setdefault(key, []).append(char)
    # WeasyPrint draws a space after a line's last word; it is not part of the line
    lines = [strip(sorted(rows[k], key=lambda c: c["x0"])) for k in sorted(rows)]
    return Rendered(request.param, pdf, lines)


def strip(line: list[dict]) -> list[dict]:
    while line and line[-1]["text"].isspace():
        line = line[:-1]
    return line


def text(line: list[dict]) -> str:
    return "".join(c["text"] for c in line)


def paragraph_ends(rendered: Rendered) -> list[bool]:
    """Whether each line ends its paragraph: the next line is indented, or none follows."""
    ends = []
    for index in range(len(rendered.lines)):
        following = rendered.lines[index + 1] if index + 1 < len(rendered.lines) else None
        ends.append(following is None or following[0]["x0"] > LEFT + SIZE)
    return ends


def visible_end(line: list[dict]) -> list[float]:
    last = line[-1]
    ends = [last["x1"]]
    if last["text"] in "，。、；：？！”’）》」』】〕":
        ends.append(last["x0"] + last["size"] / 2)  # compressed or hanging
    return ends


def test_fixture_lines_are_many(rendered: Rendered) -> None:
    assert len(rendered.lines) > 20


def test_justified_lines_end_at_the_column_edge(rendered: Rendered) -> None:
    ends = paragraph_ends(rendered)
    bad = []
    for line, last in zip(rendered.lines, ends, strict=True):
        stretchable = any(c["text"].isspace() or not c["text"].isascii() for c in line[:-1])
        if last or not stretchable:  # a lone Latin word cannot be justified
            continue
        distance = min((rendered.edge - end for end in visible_end(line)), key=abs)
        if abs(distance) > 0.5:
            bad.append(f"{distance:+.2f}pt {text(line)}")
    assert not bad, bad


def test_no_forbidden_line_starts_or_ends(rendered: Rendered) -> None:
    starts = [text(line) for line in rendered.lines if line[0]["text"] in LINE_START_FORBIDDEN]
    ends = [text(line) for line in rendered.lines if line[-1]["text"] in LINE_END_FORBIDDEN]
    assert not starts and not ends, (starts, ends)


def test_two_em_marks_never_split(rendered: Rendered) -> None:
    for line, following in zip(rendered.lines, rendered.lines[1:], strict=False):
        for mark in "—…":
            assert not (line[-1]["text"] == mark and following[0]["text"] == mark), text(line)


def test_no_single_character_last_line(rendered: Rendered) -> None:
    for line, last in zip(rendered.lines, paragraph_ends(rendered), strict=True):
        if last and any(HAN_RE.match(c["text"]) for c in line):
            characters = [
                c for c in line if c["text"] not in LINE_START_FORBIDDEN | LINE_END_FORBIDDEN
            ]
            assert len(characters) >= 2, text(line)


def cjk_gaps(line: list[dict]) -> list[float]:
    """Gaps between two Han characters of a line, in em."""
    return [
        (after["x0"] - before["x1"]) / SIZE
        for before, after in itertools.pairwise(line)
        if HAN_RE.match(before["text"]) and HAN_RE.match(after["text"])
    ]


def test_quarter_em_between_han_and_latin_and_none_at_line_edges(rendered: Rendered) -> None:
    gaps = []
    for line in rendered.lines:
        # no gap at the line start: the first character sits at the margin or the indent
        assert line[0]["x0"] == pytest.approx(LEFT, abs=0.3) or line[0]["x0"] == pytest.approx(
            LEFT + 2 * SIZE, abs=0.3
        ), text(line)
        stretch = max(cjk_gaps(line), default=0.0)
        for before, after in itertools.pairwise(line):
            han = (HAN_RE.match(before["text"]), HAN_RE.match(after["text"]))
            latin = (
                before["text"].isascii() and before["text"].isalnum(),
                after["text"].isascii() and after["text"].isalnum(),
            )
            if (han[0] and latin[1]) or (latin[0] and han[1]):
                gap = (after["x0"] - before["x1"]) / SIZE
                gaps.append(gap)
                # a quarter em; a loose line may widen it by up to another quarter
                # (and its own stretch), so that its CJK gaps stay under 0.1 em
                assert 0.24 <= gap <= 0.5 + stretch + 0.02, (gap, text(line))
    assert gaps, "the fixture has Chinese next to Latin"


def test_latin_only_paragraph_is_set_normally(rendered: Rendered) -> None:
    latin_lines = [
        line
        for line in rendered.lines
        if text(line).startswith(("This", "Latin"))
        or (text(line).isascii() and "paragraph" not in text(line) and "English" not in text(line))
    ]
    assert latin_lines
    for line in latin_lines:
        letters = [
            (a, b)
            for a, b in itertools.pairwise(line)
            if a["text"].isalpha() and b["text"].isalpha()
        ]
        # letters inside a word touch (give or take kerning): no letter-spacing
        assert all(abs(b["x0"] - a["x1"]) < 0.5 for a, b in letters), text(line)


# Where the extraction tools take a gap between two characters for a space:
# pdfplumber past its x_tolerance of 3 pt, poppler past 0.1 em (when the line's
# gaps are not all alike).
PLUMBER_TOLERANCE = 3.0
POPPLER_WORD_BREAK_EM = 0.1


def test_extracted_spaces_only_where_a_line_had_to_stretch(rendered: Rendered) -> None:
    """A space between Chinese characters in extracted text is never a spurious
    gap: it sits on a line that could take no more text (the fixture binds
    characters on purpose) and had to stretch past the tool's threshold."""
    with pdfplumber.open(io.BytesIO(rendered.pdf)) as document:
        plumber = document.pages[0].extract_text()
    poppler = subprocess.run(
        ["pdftotext", "-", "-"], input=rendered.pdf, capture_output=True, check=True
    ).stdout.decode()
    by_text = {re.sub(r"\s", "", text(line)): line for line in rendered.lines}
    for extracted, threshold in (
        (plumber, PLUMBER_TOLERANCE / SIZE),
        (poppler, POPPLER_WORD_BREAK_EM),
    ):
        for extracted_line in extracted.splitlines():
            if not CJK_SPACE.search(extracted_line):
                continue
            line = by_text.get(re.sub(r"\s", "", extracted_line))
            assert line is not None, f"not a body line of the PDF: {extracted_line}"
            assert max(cjk_gaps(line), default=0.0) > threshold, extracted_line


def test_soft_break_joins_in_the_pdf(rendered: Rendered) -> None:
    joined = "".join(text(line) for line in rendered.lines)
    assert "源文件里被拆成两行" in joined


def test_adjacent_marks_take_one_and_a_half_em(rendered: Rendered) -> None:
    """。” and ”“ are set in 1.5 em, not 2 (one of the two marks is halved)."""
    pairs = 0
    for line in rendered.lines:
        for first, second, after in zip(line, line[1:], line[2:], strict=False):
            if first["text"] + second["text"] in ("。”", "”“", "，“", "：“"):
                stretch = max(cjk_gaps(line), default=0.0) * SIZE
                span = after["x0"] - first["x0"]  # the pair's advance, with its stretch
                assert span == pytest.approx(1.5 * SIZE, abs=0.1 + 2 * stretch), text(line)
                pairs += 1
    assert pairs, "the fixture has adjacent marks"
