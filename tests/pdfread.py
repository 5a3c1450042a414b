"""Helpers that read a built PDF the way a layout desk checks it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

MM = 72 / 25.4
CLOSING_MARKS = set("，。、；：？！”’）》」』】〕")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Column:
    left: float
    right: float
    chars: list[dict]

    def text(self) -> str:
        ordered = sorted(self.chars, key=lambda c: (round(c["top"], 0), c["x0"]))
        return "".join(c["text"] for c in ordered)


def page_chars(pdf_path: Path, page: int = 0) -> list[dict]:
    with pdfplumber.open(pdf_path) as pdf:
        return list(pdf.pages[page].chars)


def columns(chars: list[dict], gap: float = 9.0) -> list[Column]:
    """Group characters into text columns by the white gaps between them."""
    out: list[Column] = []
    for char in sorted(chars, key=lambda c: c["x0"]):
        # a closing mark compressed at a line end (halt) is drawn in half its
        # advance; the text layer still records the full one
        right = char["x0"] + char["size"] / 2 if char["text"] in CLOSING_MARKS else char["x1"]
        if out and char["x0"] - out[-1].right < gap:
            out[-1].chars.append(char)
            out[-1].right = max(out[-1].right, right)
        else:
            out.append(Column(char["x0"], right, [char]))
    return out


def main_size(chars: list[dict], font: str) -> float:
    """The size most characters of ``font`` are set in: the composer may step a
    text's size (layout.yaml type_scales, quote_scales), so tests read it."""
    sizes = Counter(round(c["size"], 2) for c in chars if c["fontname"].split("+")[-1] == font)
    assert sizes, f"no {font} on the page"
    return sizes.most_common(1)[0][0]


def body_chars(
    chars: list[dict], font: str = "Noto-Serif-CJK-SC", size: float | None = None
) -> list[dict]:
    size = size or main_size(chars, font)
    return [
        c for c in chars if c["fontname"].split("+")[-1] == font and abs(c["size"] - size) < 0.05
    ]


def first_top(chars: list[dict], text: str) -> float:
    """Top (pt from the page top) of the first line holding ``text``."""
    lines: dict[float, list[dict]] = {}
    for c in chars:
        lines.setdefault(round(c["top"], 0), []).append(c)
    for top in sorted(lines):
        line = "".join(c["text"] for c in sorted(lines[top], key=lambda c: c["x0"]))
        if text in line:
            return top
    raise AssertionError(f"{text!r} is on no line of the page")


@dataclass
class Line:
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def left(self) -> float:
        return self.chars[0]["x0"]

    @property
    def right(self) -> float:
        return self.chars[-1]["x1"]

    def ends(self) -> list[float]:
        """Where the line may end: a closing mark's ink sits in the left half of
        its em box, whose right half may be compressed (halt) or hang past the
        edge, and the text layer records the full advance either way."""
        last = self.chars[-1]
        if last["text"] in CLOSING_MARKS:
            return [last["x1"], last["x0"] + last["size"] / 2]
        return [last["x1"]]

    @property
    def top(self) -> float:
        return self.chars[0]["top"]


def lines_of(column: Column) -> list[Line]:
    rows: dict[float, list[dict]] = {}
    for c in column.chars:
        key = next((k for k in rows if abs(k - c["top"]) < 2), c["top"])
        rows.setdefault(key, []).append(c)
    return [Line(sorted(rows[k], key=lambda c: c["x0"])) for k in sorted(rows)]


def in_face(char: dict, font: str) -> bool:
    """Whether ``char`` is set in ``font``: a Kai text's punctuation comes from
    Broadsheet Marks (layouts/newspaper/fonts.css), and counts as the Kai's."""
    name = char["fontname"].split("+")[-1]
    if name.startswith(font):
        return True
    if font.startswith("LXGW-WenKai") and name.startswith("Broadsheet-Marks"):
        return name.endswith("-Bold") == font.endswith("-Bold")
    return False


def block_chars(chars: list[dict], font: str, size: float) -> list[dict]:
    """Characters set in one font and size (a text block of the page)."""
    return [
        c
        for c in chars
        if in_face(c, font) and abs(c["size"] - size) < 0.05 and not c["text"].isspace()
    ]


@dataclass
class JustifiedLine:
    line: Line
    edge: float
    last_of_paragraph: bool

    @property
    def distance(self) -> float:
        """Signed distance of the line end from the column edge (positive: short)."""
        return min((self.edge - end for end in self.line.ends()), key=abs)


def justified_lines(chars: list[dict], indent: float) -> list[JustifiedLine]:
    """Lines of a justified block, each with its column's right edge and
    whether it ends a paragraph (the next line is indented, or there is none).

    The edge is the most common end of the column's lines that do not end in
    a closing mark: in a flush column every line but paragraph ends reaches it.
    """
    out: list[JustifiedLine] = []
    flat = []
    for column in columns(chars):
        lines = lines_of(column)
        plain = [
            round(line.right, 1) for line in lines if line.chars[-1]["text"] not in CLOSING_MARKS
        ]
        edge = Counter(plain).most_common(1)[0][0] if plain else max(line.right for line in lines)
        flat += [(line, column, edge) for line in lines]
    for index, (line, _, edge) in enumerate(flat):
        following = flat[index + 1] if index + 1 < len(flat) else None
        last = following is None or following[0].left - following[1].left > indent / 2
        out.append(JustifiedLine(line, edge, last))
    return out


# The sample page's running text: (name, font, size in pt, first-line indent
# in em). None: the size the composer chose (it may step the body, the note
# and the quote).
BLOCKS = [
    ("body", "Noto-Serif-CJK-SC", None, 2),
    ("editor's note", "LXGW-WenKai", None, 2),
    ("standfirst", "LXGW-WenKai", 16.0, 2),
    ("pull quote", "LXGW-WenKai-Bold", None, 2),
]


def block(
    chars: list[dict], name: str, font: str, size: float | None, indent: float
) -> tuple[list[dict], float, float]:
    """A block's characters, its size and its first-line indent in pt. The
    standfirst stands above the headline, everything else below it (the
    composer may set the note's Kai as large as the standfirst's)."""
    headline = min(c["top"] for c in chars if c["size"] > 60)
    if name == "standfirst":
        part = [c for c in chars if c["top"] < headline]
    else:
        part = [c for c in chars if c["top"] > headline]
    size = size or main_size(part, font)
    return block_chars(part, font, size), size, indent * size
