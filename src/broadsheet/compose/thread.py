"""Predict how the article runs through columns of given depths, without laying it out.

The model follows the engine's break rules for the article flow: a paragraph
may break after any line (orphans and widows 1), a section heading keeps with
the first three lines after it, and a block pushed to a column's top keeps its top
margin (WeasyPrint 70 does not truncate it; measured).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from broadsheet.compose.measures import Unit

EPSILON = 0.01  # px: the engine's own rounding


@dataclass
class Threaded:
    """Where the text ended in each column, and what did not fit."""

    used: list[float]  # px of each column filled
    lines: list[int]  # body lines set in each column
    overset_lines: int = 0
    overset_blocks: int = 0
    # article block index → the column its first line lands in
    block_column: dict[int, int] = field(default_factory=dict)
    # columns whose foot is a section heading with few lines under it
    heading_feet: int = 0

    @property
    def last_column(self) -> int:
        used = [i for i, u in enumerate(self.used) if u > 0]
        return used[-1] if used else -1


def thread(units: tuple[Unit, ...], depths: list[float], scale: float = 1.0) -> Threaded:
    """Run ``units`` through columns of ``depths`` px; line heights times ``scale``."""
    columns = len(depths)
    result = Threaded([0.0] * columns, [0] * columns)
    pitch = max((u.height for u in units if u.kind == "lines"), default=20.0) * scale
    column, y = 0, 0.0
    last_heading_at: tuple[int, int] | None = None  # (column, lines after it)
    for position, unit in enumerate(units):
        if column >= columns:
            _overset(result, unit, pitch)
            continue
        if unit.kind == "block":
            after = _next_line(units, position) * scale if unit.keep_with_next else 0.0
            while column < columns:
                top = unit.margin_top
                need = top + unit.height + (unit.margin_bottom + after if after else 0.0)
                if y + need <= depths[column] + EPSILON or y == 0:
                    break
                result.used[column] = y
                column, y = column + 1, 0.0
            if column >= columns:
                _overset(result, unit, pitch)
                continue
            top = unit.margin_top
            result.block_column.setdefault(unit.block, column)
            y += top + unit.height + unit.margin_bottom
            if unit.keep_with_next:
                last_heading_at = (column, 0)
            result.used[column] = max(result.used[column], min(y, depths[column]))
            continue
        height = unit.height * scale
        remaining = unit.count
        y += unit.margin_top if y > 0 else 0.0
        # after a heading the paragraph's orphans are 3: fewer lines never start it
        follows_heading = position > 0 and units[position - 1].keep_with_next
        orphans = min(HEADING_KEEPS_LINES, remaining) if follows_heading else 1
        while remaining and column < columns:
            fit = int((depths[column] - y + EPSILON) // height) if height else remaining
            take = max(0, min(fit, remaining))
            if remaining == unit.count and take < orphans:
                take = 0
            if take:
                result.block_column.setdefault(unit.block, column)
            y += take * height
            remaining -= take
            result.lines[column] += take
            result.used[column] = y
            if last_heading_at and last_heading_at[0] == column:
                last_heading_at = (column, last_heading_at[1] + take)
            if remaining:
                short = last_heading_at and last_heading_at[1] < HEADING_KEEPS_LINES + 1
                if last_heading_at and last_heading_at[0] == column and short:
                    result.heading_feet += 1
                column, y = column + 1, 0.0
        if remaining:
            result.overset_lines += remaining
        y += unit.margin_bottom
    return result


HEADING_KEEPS_LINES = 3  # a section heading never stands with fewer lines under it


def _next_line(units: tuple[Unit, ...], position: int) -> float:
    """The depth a heading needs under it in its column: the first lines of the
    paragraph after it (the stylesheet's orphans there: 3)."""
    following = units[position + 1 : position + 2]
    if not following:
        return 0.0
    unit = following[0]
    lines = min(unit.count, HEADING_KEEPS_LINES) if unit.kind == "lines" else 1
    return unit.height * lines


def _overset(result: Threaded, unit: Unit, pitch: float) -> None:
    if unit.kind == "lines":
        result.overset_lines += unit.count
    else:
        result.overset_blocks += 1
        result.overset_lines += max(1, round((unit.height + unit.margin_top) / pitch))
