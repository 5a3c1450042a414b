"""The typography corpus set at six column widths in two faces, measured line by line.

The tests (test_typography_corpus.py) and bench/typography_report.py share this
code: each setting is laid out by broadsheet's text stage and line-layout seam
with the newspaper layout's fonts, then read back from the PDF as a desk
would check it.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "fixtures" / "typography-corpus" / "corpus.md"
LAYOUT = REPO / "layouts" / "newspaper"
# Column widths of the pages broadsheet sets (4 and 5 columns on 四开 and 对开,
# a box, the a4 reading copy) and the two running faces: Song body, Kai notes.
WIDTHS_MM = (38.0, 45.0, 52.0, 64.4, 80.0, 120.0)
FACES = {"serif": "var(--serif)", "kai": "var(--kai)"}
SIZE_PT = 10.5
MARGIN_MM = 10.0
MM = 72 / 25.4

LOOSE_EM = 0.10
AUTOSPACE_EM = 0.25
TOLERANCE_EM = 0.1
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
CJK = "[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef“”‘’—…]"
STRAY_SPACE = re.compile(f"(?<={CJK})[ \u00a0\u3000]+(?={CJK})")
MARKS = set("，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕")
CLOSING = set("，。、；：？！”’）》〉」』】〕")
OPENING = set("“‘（《〈「『【〔")
NO_LINE_START = CLOSING | set("—…%‰℃·～")
ALNUM = re.compile("[A-Za-z0-9]")


def _chinese(char: str) -> bool:
    return bool(HAN.match(char)) or char in MARKS or char in "—…"


def _script_gap(a: dict, b: dict) -> bool:
    """Whether a quarter em stands between two characters (Han beside Latin)."""
    return bool(
        (HAN.match(a["text"][-1:]) and ALNUM.match(b["text"][:1]))
        or (re.match("[A-Za-z0-9%]", a["text"][-1:]) and HAN.match(b["text"][:1]))
    )


def paragraphs(path: Path = CORPUS) -> list[str]:
    """The corpus's paragraphs as the text stage hands them to the page."""
    from broadsheet.text.marks import add_marks
    from broadsheet.text.normalise import normalise_text

    text = path.read_text(encoding="utf-8")
    return [
        add_marks(normalise_text(p.strip()), paragraph_end=True)
        for p in text.split("\n\n")
        if p.strip()
    ]


def corpus_html(texts: Iterable[str], width_mm: float, face: str) -> str:
    from markupsafe import escape

    body = "\n".join(f"<p>{escape(t)}</p>" for t in texts)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="fonts.css">
<style>
@page {{ size: {width_mm + 2 * MARGIN_MM}mm 420mm; margin: {MARGIN_MM}mm; }}
body {{ margin: 0; font-family: {FACES[face]}; font-size: {SIZE_PT}pt; line-height: 1.7; }}
p {{ margin: 0; text-align: justify; text-indent: 2em; orphans: 1; widows: 1; }}
</style></head><body>{body}</body></html>"""


def set_corpus(
    out: Path, width_mm: float, face: str, texts: list[str] | None = None, first_fit: bool = False
) -> Path:
    """Lay out the corpus in one column of ``width_mm`` and write its PDF;
    ``first_fit``: with Pango's line-by-line breaks, not the paragraph's."""
    import weasyprint

    from broadsheet.engine import paragraph
    from broadsheet.engine.lines import cjk_line_layout

    pdf = out / f"corpus-{face}-{width_mm:g}mm.pdf"
    html = corpus_html(texts if texts is not None else paragraphs(), width_mm, face)
    total_fit = paragraph.next_break
    try:
        if first_fit:
            paragraph.next_break = lambda *args: None
        with cjk_line_layout():
            weasyprint.HTML(string=html, base_url=LAYOUT.as_uri() + "/").write_pdf(pdf)
    finally:
        paragraph.next_break = total_fit
        paragraph.clear()
    return pdf


def report_all(out: Path, jobs: int = 2, first_fit: bool = False) -> list[Report]:
    """Every face at every width set and measured, ``jobs`` settings at a time."""
    settings = [(out, w, f, first_fit) for f, w in itertools.product(FACES, WIDTHS_MM)]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_report_one, settings))


def _report_one(args: tuple[Path, float, str, bool]) -> Report:
    out, width_mm, face, first_fit = args
    folder = out / ("first-fit" if first_fit else "total-fit") / f"{face}-{width_mm:g}"
    folder.mkdir(parents=True, exist_ok=True)
    texts = paragraphs()
    pdf = set_corpus(folder, width_mm, face, texts, first_fit=first_fit)
    return measure(pdf, width_mm, face, texts)


@dataclass
class SetLine:
    chars: list[dict]
    left: float
    right: float
    size: float
    last_of_paragraph: bool = False

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    def gaps(self) -> list[float]:
        """Space between neighbouring Chinese characters and marks, in em: the
        line's stretch (a compressed mark's shows as a negative gap)."""
        return [
            (b["x0"] - a["x1"]) / self.size
            for a, b in itertools.pairwise(self.chars)
            if _chinese(a["text"][-1:]) and _chinese(b["text"][:1])
        ]

    def stretch(self) -> float:
        """What justification added to the line (em): every gap wider than its
        natural width (none, or a quarter em between Han and Latin)."""
        total = 0.0
        for a, b in itertools.pairwise(self.chars):
            if b["after_space"]:
                continue
            natural = AUTOSPACE_EM if _script_gap(a, b) else 0.0
            total += max(0.0, (b["x0"] - a["x1"]) / self.size - natural)
        return total

    def stretched_alnum(self) -> int:
        """Pairs of digits or Latin letters set apart: letter-spacing in a word."""
        return sum(
            1
            for a, b in itertools.pairwise(self.chars)
            if ALNUM.match(a["text"])
            and ALNUM.match(b["text"])
            and not b["after_space"]
            and (b["x0"] - a["x1"]) / self.size > 0.02  # kerning pairs are smaller
        )

    def violations(self) -> list[str]:
        first, last = self.chars[0]["text"], self.chars[-1]["text"]
        out = []
        if first in NO_LINE_START:
            out.append(f"starts with {first}")
        if last in OPENING:
            out.append(f"ends with {last}")
        return out

    def lone_character(self) -> bool:
        """孤字: a paragraph's last line holding one character (marks aside)."""
        return self.last_of_paragraph and len([c for c in self.text if c not in MARKS]) < 2

    def compressed_singles(self) -> list[str]:
        """Single marks mid-line set half width (the text layer keeps the full
        advance, so the neighbour overlaps it by half an em)."""
        out = []
        chars = self.chars
        for i in range(1, len(chars) - 1):
            c = chars[i]
            if c["text"] not in MARKS or chars[i - 1]["text"] in MARKS:
                continue
            if chars[i + 1]["text"] in MARKS:
                continue
            half = -0.4 * self.size
            closing = c["text"] in CLOSING and chars[i + 1]["x0"] - c["x1"] < half
            opening = c["text"] in OPENING and c["x0"] - chars[i - 1]["x1"] < half
            if closing or opening:
                out.append(chars[i - 1]["text"] + c["text"] + chars[i + 1]["text"])
        return out


def read_lines(pdf: Path, width_mm: float) -> list[SetLine]:
    """The column's lines in reading order, each knowing whether it ends a paragraph."""
    left = MARGIN_MM * MM
    out: list[SetLine] = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            rows: dict[float, list[dict]] = {}
            for c in page.chars:
                key = next((k for k in rows if abs(k - c["top"]) < 2), c["top"])
                rows.setdefault(key, []).append(c)
            for key in sorted(rows):
                chars, space = [], False
                for c in sorted(rows[key], key=lambda c: c["x0"]):
                    if c["text"].isspace():
                        space = True
                        continue
                    chars.append({**c, "after_space": space})
                    space = False
                if chars:
                    out.append(SetLine(chars, left, left + width_mm * MM, chars[0]["size"]))
    for line, following in itertools.pairwise(out):
        line.last_of_paragraph = following.chars[0]["x0"] - left > following.size
    if out:
        out[-1].last_of_paragraph = True
    return out


def hanging_marks(pdf: Path, width_mm: float) -> list[str]:
    """Lines whose closing mark's ink stands past the column edge: the mark was
    not set half width after all. Read with pdfium, which places the glyphs of
    every font (pdfplumber misplaces the Kai's marks, set from another font)."""
    import pypdfium2

    edge = (MARGIN_MM + width_mm) * MM
    out = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            position = 0
            for line in text.split("\r\n"):
                start = text.find(line, position)
                position = start + len(line)
                if line and line[-1] in CLOSING:
                    right = textpage.get_charbox(start + len(line) - 1)[2]
                    if right > edge + 0.05 * SIZE_PT:
                        out.append(line)
    finally:
        document.close()
    return out


def stray_spaces(pdf: Path, raw: bool, loose: set[str]) -> tuple[int, int]:
    """Spaces pdftotext puts between two Chinese characters: on lines within
    LOOSE_EM, and on the loose lines ``loose`` (their text)."""
    args = ["pdftotext", *(["-raw"] if raw else []), str(pdf), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    good = bad = 0
    for line in text.splitlines():
        if not (found := len(STRAY_SPACE.findall(line))):
            continue
        # -raw may cut one set line in pieces, or join two
        squashed = re.sub(r"\s", "", line)
        if any(squashed in text or text[:6] in squashed for text in loose):
            bad += found
        else:
            good += found
    return good, bad


def _breakable(a: dict, b: dict) -> bool:
    """Whether clreq and broadsheet's rules allow a line break between two
    neighbouring characters (as read back from the PDF)."""
    x, y = a["text"][-1:], b["text"][:1]  # pdfplumber reads —— as one glyph
    if x in OPENING or y in NO_LINE_START or (x in "—…" and y == x):
        return False
    if y == "-" or (x == "-" and not b["after_space"]):
        return False  # UAX #14: no break before a hyphen; a minus binds its number
    word = re.compile(r"[A-Za-z0-9.,:/+\-%@]")
    return not (word.match(x) and word.match(y) and not b["after_space"])


def first_unit(line: SetLine) -> list[dict]:
    """The characters a line starts with that no rule lets it part: up to the
    first break opportunity (never one between a paragraph's last two
    characters: the 孤字 rule binds them)."""
    for index, (a, b) in enumerate(itertools.pairwise(line.chars)):
        rest = [c for c in line.chars[index + 1 :] if c["text"][:1] not in MARKS]
        if line.last_of_paragraph and len("".join(c["text"] for c in rest)) < 2:
            break  # the 孤字 rule binds a paragraph's last two characters
        if _breakable(a, b):
            return line.chars[: index + 1]
    return line.chars


def explanation(line: SetLine, following: SetLine | None) -> str | None:
    """Why a loose line could not be set tighter, when the rules leave no other
    way: the next line's first unbreakable unit is wider than the line's
    stretch plus every compression the policy allows (its line-end mark and up
    to two single marks mid-line, half an em each)."""
    if following is None:
        return None
    unit = first_unit(following)
    width = sum(c["x1"] - c["x0"] for c in unit) / line.size
    width -= 0.5 * sum(
        a["text"] in MARKS and b["text"] in MARKS for a, b in itertools.pairwise(unit)
    )
    if unit[-1]["text"] in CLOSING:
        width -= 0.5
    if _script_gap(line.chars[-1], unit[0]):
        width += AUTOSPACE_EM
    stretch = line.stretch()
    text = line.text
    # quotes stand beside an invisible break mark (clreq's break before an
    # opening quote, after a closing one), where the engine cannot compress a
    # mark set from another face than its neighbours (the Kai's marks)
    chars = line.chars
    singles = [
        i
        for i in range(1, len(text) - 1)
        if text[i] in MARKS
        and text[i - 1] not in MARKS
        and text[i + 1] not in MARKS
        and not (text[i] in "“”‘’" and "Broadsheet-Marks" in chars[i]["fontname"])
    ]
    room = stretch + 0.5 * min(len(singles), 2)
    if line.chars[-1]["text"] in CLOSING:
        width += 0.5  # the line's own end mark would lose its compression
    # what is read back from the PDF is near, not exact: a unit within a tenth
    # of an em of the room counts as not fitting
    if width > room - TOLERANCE_EM:
        unit_text = "".join(c["text"] for c in unit)
        return f"next line starts with {unit_text!r}, {width:.2f} em > {room:.2f} em free"
    return None


@dataclass
class Loose:
    """A justified line with gaps over LOOSE_EM, and why the rules left it so."""

    text: str
    gap: float
    paragraph: int
    reason: str | None = None

    def __str__(self) -> str:
        return f"{self.text} ({self.gap:.2f} em): {self.reason or 'unexplained'}"


@dataclass
class Report:
    """What a desk checks on one setting of the corpus."""

    face: str
    width_mm: float
    pdf: Path | None = None
    lines: int = 0
    justified: int = 0
    worst_gap: float = 0.0
    worst_end: float = 0.0
    loose: list[Loose] = field(default_factory=list)
    unjustifiable: list[str] = field(default_factory=list)
    stretched: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lone: list[str] = field(default_factory=list)
    singles: list[str] = field(default_factory=list)
    # stray spaces from pdftotext: (on lines within LOOSE_EM, on loose lines)
    spaces: tuple[int, int] = (0, 0)
    spaces_raw: tuple[int, int] = (0, 0)
    hanging: list[str] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Loose]:
        return [line for line in self.loose if line.reason is None]


def paragraphs_of(lines: list[SetLine]) -> list[int]:
    """Each line's paragraph, counted from 0."""
    out, number = [], 0
    for line in lines:
        out.append(number)
        number += line.last_of_paragraph
    return out


def measure(pdf: Path, width_mm: float, face: str, texts: list[str]) -> Report:
    """Read one setting back; loose lines the line-by-line rule explains get
    their reason, the others are checked against the paragraph set first fit
    (Pango's breaks, line by line) at the same width."""
    lines = read_lines(pdf, width_mm)
    numbers = paragraphs_of(lines)
    assert numbers[-1] + 1 == len(texts), (pdf, numbers[-1] + 1, len(texts))
    report = Report(face, width_mm, pdf, lines=len(lines))
    for index, line in enumerate(lines):
        report.violations += [f"{line.text}: {v}" for v in line.violations()]
        report.stretched += [line.text] * bool(line.stretched_alnum())
        if line.lone_character():
            report.lone.append(line.text)
        report.singles += line.compressed_singles()
        if line.last_of_paragraph:
            continue
        report.justified += 1
        gaps = line.gaps()
        if not gaps and not any(c["after_space"] for c in line.chars):
            report.unjustifiable.append(line.text)  # a word alone: nothing to stretch
            continue
        end = line.chars[-1]
        ends = [end["x1"]]
        if end["text"] in CLOSING:
            ends.append(end["x0"] + line.size / 2)
        # pdfplumber misplaces glyphs of the Kai's marks face: those line ends
        # are read with pdfium instead (hanging_marks)
        if "Broadsheet-Marks" not in end["fontname"]:
            report.worst_end = max(report.worst_end, min(abs(line.right - e) for e in ends))
        worst = max(gaps, default=0.0)
        report.worst_gap = max(report.worst_gap, worst)
        if worst > LOOSE_EM:
            following = lines[index + 1] if index + 1 < len(lines) else None
            report.loose.append(
                Loose(line.text, worst, numbers[index], explanation(line, following))
            )
    _compare_first_fit(report, pdf.parent, texts)
    loose_texts = {line.text for line in report.loose}
    report.hanging = hanging_marks(pdf, width_mm)
    report.spaces = stray_spaces(pdf, False, loose_texts)
    report.spaces_raw = stray_spaces(pdf, True, loose_texts)
    return report


def _compare_first_fit(report: Report, out: Path, texts: list[str]) -> None:
    """A loose line no unbreakable unit explains is explained when the same
    paragraph set first fit has as many loose lines forced by such units: the
    paragraph's breaks only moved slack that could not be avoided."""
    pending = sorted({line.paragraph for line in report.unexplained})
    if not pending:
        return
    folder = out / "first-fit"
    folder.mkdir(exist_ok=True)
    pdf = set_corpus(
        folder, report.width_mm, report.face, [texts[i] for i in pending], first_fit=True
    )
    lines = read_lines(pdf, report.width_mm)
    forced: dict[int, int] = dict.fromkeys(pending, 0)
    for index, (line, number) in enumerate(zip(lines, paragraphs_of(lines), strict=True)):
        if line.last_of_paragraph or max(line.gaps(), default=0.0) <= LOOSE_EM:
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        if explanation(line, following):
            forced[pending[number]] += 1
    total = {p: sum(1 for line in report.loose if line.paragraph == p) for p in pending}
    for line in report.unexplained:
        if total[line.paragraph] <= forced[line.paragraph]:
            line.reason = (
                f"its paragraph has {total[line.paragraph]} loose line(s); set line by "
                f"line it has {forced[line.paragraph]}, each before an unbreakable unit"
            )
