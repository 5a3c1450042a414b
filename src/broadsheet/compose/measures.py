"""What one measuring layout tells the composer (all lengths in CSS px)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Unit:
    """A piece of the article flow: a paragraph's lines, or an unbreakable block."""

    kind: Literal["lines", "block"]
    block: int  # index of the article block (-1: the byline)
    count: int  # lines (a block: 1)
    height: float  # one line's height at the measured leading, or the block's border box
    margin_top: float = 0.0
    margin_bottom: float = 0.0
    keep_with_next: bool = False  # a section heading never ends a column
    text: str = ""


@dataclass(frozen=True)
class Measures:
    """The page's fixed parts, and each text of the flexible area at each width."""

    content_top: float
    content_height: float
    area_top: float  # where the area starts when there is no note (measured)
    area_width: float
    bottom_height: float  # the advertisement (or nothing) under the area
    note_lines: tuple[float, ...]  # the note's lines at its column width
    note_chrome: float  # its margin, borders and padding
    flow: tuple[Unit, ...]  # at the first type scale
    leading: float  # the article's measured line height, in em
    flows: dict[float, tuple[Unit, ...]] = field(default_factory=dict)  # by type scale
    # the headline block's height and its lines' character counts, by size
    headlines: dict[float, tuple[float, tuple[int, ...]]] = field(default_factory=dict)
    # the note's lines and chrome by its type scale
    notes: dict[float, tuple[tuple[float, ...], float]] = field(default_factory=dict)
    figure_captions: dict[tuple[int, int], float] = field(default_factory=dict)
    quotes: dict[tuple[int, int, float], float] = field(default_factory=dict)  # index, span, size
    boxes: dict[tuple[int, int], float] = field(default_factory=dict)

    @property
    def line_height(self) -> float:
        lines = [u.height for u in self.flow if u.kind == "lines"]
        return max(set(lines), key=lines.count) if lines else 0.0
