"""Helpers that read a built PDF the way a layout desk checks it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

MM = 72 / 25.4


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


def columns(chars: list[dict], gap: float = 18.0) -> list[Column]:
    """Group characters into text columns by the white gaps between them."""
    out: list[Column] = []
    for char in sorted(chars, key=lambda c: c["x0"]):
        if out and char["x0"] - out[-1].right < gap:
            out[-1].chars.append(char)
            out[-1].right = max(out[-1].right, char["x1"])
        else:
            out.append(Column(char["x0"], char["x1"], [char]))
    return out


def body_chars(
    chars: list[dict], font: str = "Noto-Serif-CJK-SC", size: float = 13.0
) -> list[dict]:
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
