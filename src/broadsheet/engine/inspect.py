"""Inspect laid-out pages: content that does not fit is an error, never lost silently.

WeasyPrint drops or displaces what does not fit without a word: a fixed-height
multi-column box grows extra columns off to the side, a flex page spills onto
a second page. This module reads WeasyPrint's layout tree (an internal API,
wrapped here and nowhere else) and reports every block whose lines fall
outside the page area or its own box, or onto pages the layout does not allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.formatting_structure import boxes

from broadsheet.diagnostics import Diagnostic, PageOverflowError

PX_PER_MM = 96 / 25.4
TOLERANCE_PX = 1.0  # rounding in the engine; anything larger is real overflow
CONTINUING_BLOCK = "article"


@dataclass
class Overflow:
    block: str
    lines: int = 0
    beyond_mm: float = 0.0
    pages: set[int] = field(default_factory=set)
    lines_on_extra_pages: int = 0
    column_mm: float = 0.0
    where: set[str] = field(default_factory=set)

    def add(self, excess_px: float, where: str, height_px: float) -> None:
        self.lines += 1
        self.beyond_mm = max(self.beyond_mm, excess_px / PX_PER_MM)
        self.column_mm += height_px / PX_PER_MM
        self.where.add(where)

    def describe(self) -> str:
        parts = []
        if self.where:
            places = ", ".join(sorted(self.where))
            parts.append(
                f"{self.lines} line(s) ({self.column_mm:.0f} mm of column) fall outside "
                f"{places}, up to {self.beyond_mm:.1f} mm beyond it"
            )
        if self.pages:
            numbers = ", ".join(str(p) for p in sorted(self.pages))
            parts.append(f"{self.lines_on_extra_pages} line(s) run onto page {numbers}")
        return "; ".join(parts)


def page_box(page: Any) -> boxes.PageBox:
    box = getattr(page, "_page_box", None)
    if not isinstance(box, boxes.PageBox):
        raise RuntimeError(
            f"WeasyPrint {weasyprint.__version__} changed its layout tree (Page._page_box); "
            "broadsheet's page check must be updated before this version is used"
        )
    return box


def check_pages(
    document: weasyprint.Document, max_pages: int, article_may_continue: bool, source: Path
) -> None:
    """Raise PageOverflowError naming each block that does not fit, and by how much."""
    found: dict[str, Overflow] = {}

    def overflow(block: str) -> Overflow:
        return found.setdefault(block, Overflow(block))

    for number, page in enumerate(document.pages, start=1):
        pbox = page_box(page)
        area = _Rect(
            pbox.content_box_x(),
            pbox.content_box_y(),
            pbox.content_box_x() + pbox.width,
            pbox.content_box_y() + pbox.height,
        )
        extra_page = number > max_pages
        frames: dict[str, _Rect] = {}
        for line, block, frame in _lines(pbox, frames):
            if extra_page:
                if not (article_may_continue and block == CONTINUING_BLOCK):
                    overflow(block).pages.add(number)
                    overflow(block).lines_on_extra_pages += 1
                continue
            for rect, name in ((area, "the page area"), (frame, f"the {block} box")):
                excess = rect.excess(line)
                if excess > TOLERANCE_PX:
                    overflow(block).add(excess, name, line.height)
                    break
    if found:
        limit = f"{max_pages} page" + ("s" if max_pages > 1 else "")
        raise PageOverflowError(
            [
                Diagnostic(source, f"does not fit the layout ({limit}): {o.describe()}", None, b)
                for b, o in found.items()
            ]
        )


@dataclass(frozen=True)
class _Rect:
    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def of(cls, box: boxes.Box) -> _Rect:
        x, y = box.border_box_x(), box.border_box_y()
        return cls(x, y, x + box.border_width(), y + box.border_height())

    def excess(self, box: boxes.Box) -> float:
        """How far a line box sticks out of this rectangle (0 when inside)."""
        x, y = box.position_x, box.position_y
        return max(
            0.0,
            self.left - x,
            self.top - y,
            x + box.width - self.right,
            y + box.height - self.bottom,
        )


def _lines(
    box: boxes.Box, frames: dict[str, _Rect], block: str = "page", frame: _Rect | None = None
) -> Iterator[tuple[boxes.LineBox, str, _Rect]]:
    """Every line box with the data-block it belongs to and that block's outer box."""
    if isinstance(box, boxes.MarginBox):
        return  # running headers and page numbers live in the page margins
    box = getattr(box, "_box", box)  # an absolutely positioned box's placeholder
    element = getattr(box, "element", None)
    name = element.get("data-block") if element is not None else None
    pseudo = "::" in (getattr(box, "element_tag", "") or "")
    if element is not None and element.get("data-placed") and not pseudo:
        # a block the composer placed (a figure, a column of the article): what
        # it holds must stay inside it, each column a frame of its own
        frames, frame, block = {}, _Rect.of(box), element.get("data-placed")
    if name and name != block:
        # Each block's box is its frame (two figures are two frames); column
        # boxes of a multicol block are its children and share its name.
        block, frame = name, _Rect.of(box)
    if frame is None:
        frame = _Rect.of(box)
    if isinstance(box, boxes.LineBox):
        if any(_has_text(child) for child in box.children):
            yield box, block, frame
        return
    for child in getattr(box, "children", ()):
        yield from _lines(child, frames, block, frame)


def _has_text(box: boxes.Box) -> bool:
    if isinstance(box, boxes.TextBox):
        return bool(box.text.strip())
    return any(_has_text(c) for c in getattr(box, "children", ()))


def image_resolutions(document: weasyprint.Document) -> list[tuple[str, float]]:
    """Each raster image on the pages: its src and its effective resolution (ppi)."""
    found = []

    def walk(box: boxes.Box) -> None:
        if isinstance(box, boxes.ReplacedBox):
            pixels = getattr(box.replacement, "width", None)  # raster images only
            element = box.element
            if pixels and box.width and element is not None:
                inches = box.width / 96
                found.append((element.get("src") or "", pixels / inches))
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page_box(page))
    return found
