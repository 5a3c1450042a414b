"""clreq / GB/T 15834 rules measured on the built sample page, block by block."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pdfread import BLOCKS, block, block_chars, columns, justified_lines, lines_of, page_chars

from broadsheet.text.normalise import HAN_RE

HEADINGS = [
    ("headline", "Noto-Sans-CJK-SC-Bold", 100.0),
    ("subhead", "Noto-Sans-CJK-SC", 22.0),
    ("section heading", "Noto-Sans-CJK-SC-Bold", 18.0),
    ("section heading", "Noto-Sans-CJK-SC-Bold", 13.0),
]
LINE_START_FORBIDDEN = set("。，、；：？！”’）》」』】〕…—%")
LINE_END_FORBIDDEN = set("“‘（《「『【〔")
CJK = r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef“”‘’]"
CJK_SPACE = re.compile(f"{CJK}[ \u00a0\u3000]+{CJK}")


@pytest.fixture(scope="module")
def chars(sample_pdf: Path) -> list[dict]:
    return page_chars(sample_pdf)


def all_lines(chars: list[dict]):
    for name, font, size, indent in BLOCKS:
        found, size, _ = block(chars, name, font, size, indent)
        for column in columns(found):
            for line in lines_of(column):
                yield name, line
    for name, font, size in HEADINGS:
        for column in columns(block_chars(chars, font, size), gap=size):
            for line in lines_of(column):
                yield name, line


@pytest.mark.parametrize(("name", "font", "size", "indent"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_justified_lines_are_flush(
    chars: list[dict], name: str, font: str, size: float | None, indent: float
) -> None:
    found, size, indent = block(chars, name, font, size, indent)
    lines = justified_lines(found, indent)
    assert lines, f"no {name} on the page"
    off = [
        f"{j.distance:+.2f} pt: {j.line.text}"
        for j in lines
        if not j.last_of_paragraph and abs(j.distance) > 0.5
    ]
    assert not off, off


@pytest.mark.parametrize(("name", "font", "size", "indent"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_no_single_character_on_a_last_line(
    chars: list[dict], name: str, font: str, size: float | None, indent: float
) -> None:
    found, size, indent = block(chars, name, font, size, indent)
    for j in justified_lines(found, indent):
        if j.last_of_paragraph:
            kept = [c for c in j.line.chars if c["text"] not in LINE_START_FORBIDDEN]
            assert len(kept) >= 2, f"{name}: 孤字 {j.line.text}"


def test_no_forbidden_mark_at_a_line_start_or_end(chars: list[dict]) -> None:
    bad = [
        f"{name}: {line.text}"
        for name, line in all_lines(chars)
        if line.chars[0]["text"] in LINE_START_FORBIDDEN
        or line.chars[-1]["text"] in LINE_END_FORBIDDEN
    ]
    assert not bad, bad


def test_two_em_marks_never_split(chars: list[dict]) -> None:
    lines = [line for _, line in all_lines(chars)]
    for line in lines:
        text = line.text
        assert not re.search(r"(?<!—)—$|(?<!…)…$", text), text
        assert not re.match(r"^—(?!—)|^…(?!…)", text), text


def test_quarter_em_between_han_and_latin_none_at_line_edges(chars: list[dict]) -> None:
    name, font, size, indent = BLOCKS[0]
    body, size, indent = block(chars, name, font, size, indent)
    found = 0
    for column in columns(body):
        lines = lines_of(column)
        left = min(line.left for line in lines)
        for line in lines:
            assert line.left == pytest.approx(left, abs=0.3) or line.left == pytest.approx(
                left + indent, abs=0.3
            ), f"gap at the line start: {line.text}"
            han_gaps = [
                (b["x0"] - a["x1"]) / size
                for a, b in itertools.pairwise(line.chars)
                if HAN_RE.match(a["text"]) and HAN_RE.match(b["text"])
            ]
            stretch = max(han_gaps, default=0.0)
            for a, b in itertools.pairwise(line.chars):
                latin = (
                    a["text"].isascii() and a["text"].isalnum(),
                    b["text"].isascii() and b["text"].isalnum(),
                )
                han = (HAN_RE.match(a["text"]), HAN_RE.match(b["text"]))
                if (han[0] and latin[1]) or (latin[0] and han[1]):
                    gap = (b["x0"] - a["x1"]) / size
                    assert 0.24 <= gap <= 0.5 + stretch + 0.02, (gap, line.text)
                    found += 1
    assert found >= 10  # 2025年, 777个, 10亿元, 76.9亿元 …


def test_pdfplumber_reads_no_space_between_chinese(sample_pdf: Path, chars: list[dict]) -> None:
    with pdfplumber.open(sample_pdf) as pdf:
        page = pdf.pages[0]
        for name, font, size, indent in BLOCKS:
            found, size, _ = block(chars, name, font, size, indent)
            for column in columns(found):
                top = min(c["top"] for c in column.chars)
                bottom = max(c["bottom"] for c in column.chars)
                box = (column.left - 0.5, top - 0.5, column.right + 0.5, bottom + 0.5)
                text = page.crop(box).extract_text()
                assert not CJK_SPACE.findall(text), (name, CJK_SPACE.findall(text))


@pytest.mark.parametrize("mode", [[], ["-raw"]], ids=["default", "raw"])
def test_pdftotext_reads_no_space_between_chinese(
    sample_pdf: Path, chars: list[dict], mode: list[str]
) -> None:
    text = subprocess.run(
        ["pdftotext", *mode, str(sample_pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "千帆竞发势如虹" in text and "数据是最有力的证明" in text
    # The advertisement's artwork is the one line tracked on purpose (0.5 em).
    ad = "绿色能源领军企业"
    lines = [line for line in text.splitlines() if re.sub(r"\s", "", line) != ad]
    assert len(lines) < len(text.splitlines()), "the advertisement line was not found"
    # A space inside one set line is a stray space; one where pdftotext joins
    # two blocks side by side (a large quote beside a column) is its reading
    # order, not the page's spacing.
    set_lines = ["".join(c["text"] for c in line.chars) for _, line in all_lines(chars)]
    stray = [
        m.group(0)
        for line in lines
        for m in re.finditer(r"(..?)[ \u00a0\u3000]+(..?)", line)
        if CJK_SPACE.search(m.group(0))
        and any(m.group(1) + m.group(2) in set_line for set_line in set_lines)
    ]
    assert not stray, stray


def test_text_layer_is_the_source_text(chars: list[dict]) -> None:
    """No invisible mark of the text stage reaches the PDF."""
    assert not [c for c in chars if c["text"] in "\u200b\u2060\ufeff"]


def test_every_mark_in_every_block_is_full_width(chars: list[dict]) -> None:
    """One width per mark on the page: Kai blocks take their marks from
    Broadsheet Marks (WenKai's quotes are 0.35 em), measured by advance."""
    marks = set("，。、；：？！“”‘’（）《》")
    faces: dict[str, set[str]] = {}
    for c in chars:
        if c["text"] in marks:
            faces.setdefault(c["fontname"].split("+")[-1], set()).add(c["text"])
            assert (c["x1"] - c["x0"]) / c["size"] > 0.99, (c["text"], c["fontname"])
    # the note, standfirst and quote set their marks in the subset, not in WenKai
    assert "Broadsheet-Marks" in faces and "Broadsheet-Marks-Bold" in faces, faces
    assert not [f for f in faces if f.startswith("LXGW")], faces
    assert {"“", "”"} <= faces["Broadsheet-Marks"] | faces.get("Noto-Serif-CJK-SC", set())
