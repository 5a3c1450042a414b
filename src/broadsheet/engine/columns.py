"""Thread the article: set each page of the "column" flow into its slot on the sheet.

The page template puts the article on named pages the size of each column
(``@page column:nth(k of column)``); WeasyPrint paginates it through them with
its own break rules, justification and all. Here each column page's boxes are
moved into the empty slot the composer left for it on page 1, and the column
pages are dropped, so the PDF has one page, one content stream in reading
order, shared fonts, and links and bookmarks that point into the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weasyprint.document import Page
from weasyprint.formatting_structure import boxes

from broadsheet.engine.measure import _attr, walk

COLUMN_PAGE = "column"


@dataclass
class ColumnFill:
    """What the engine actually set in each column (px), and what did not fit."""

    depths: list[float] = field(default_factory=list)
    used: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    line_height: float = 0.0
    overset_lines: int = 0
    overset_pages: int = 0
    # text of the sheet's own blocks that the engine pushed onto the column
    # pages (a placed block taller than its place): it would be lost
    stray_text: str = ""
    # how far the area runs past the page's foot (px): the plan and the
    # laid-out page disagree about what stands above it
    area_overflow: float = 0.0


def _line_boxes(box: boxes.Box) -> list[boxes.LineBox]:
    return [b for b in walk(box) if isinstance(b, boxes.LineBox)]


def thread_columns(document, keep_overset: bool = False) -> ColumnFill:
    """Move the column pages into the sheet's slots; report each column's fill."""
    pages = document.pages
    sheet = pages[0]._page_box
    slots = [
        box
        for box in walk(sheet)
        if (_attr(box, "data-placed") or "").startswith("slot-") and isinstance(box, boxes.BlockBox)
    ]
    column_pages = [p for p in pages[1:] if p._page_box.page_type.name == COLUMN_PAGE]
    others = [p for p in pages[1:] if p._page_box.page_type.name != COLUMN_PAGE]
    fill = ColumnFill()
    heights = []
    for page in column_pages:
        fill.stray_text += _outside_article(page._page_box)
    area = next((b for b in walk(sheet) if _attr(b, "data-block") == "area"), None)
    if area is not None:
        foot = sheet.content_box_y() + sheet.height
        fill.area_overflow = max(0.0, area.content_box_y() + area.height - foot)
    for slot, page in zip(slots, column_pages, strict=False):
        page_box = page._page_box
        top = page_box.content_box_y()
        lines = _body_lines(page_box)
        heights += [line.height for line in lines]
        # a paragraph split at the foot is drawn to the page bottom: read its lines
        bottom = max((b.position_y + b.height for b in _line_boxes(page_box)), default=top)
        fill.depths.append(slot.height)
        fill.used.append(bottom - top)
        fill.lines.append(len(lines))
        root = page_box.children[0]
        dx, dy = slot.content_box_x() - page_box.content_box_x(), slot.content_box_y() - top
        root.translate(dx, dy)
        _translate_backgrounds(root, dx, dy)
        slot.children = [*slot.children, root]
    for slot in slots[len(column_pages) :]:
        fill.depths.append(slot.height)
        fill.used.append(0.0)
        fill.lines.append(0)
    overset = column_pages[len(slots) :]
    fill.overset_lines = sum(len(_body_lines(p._page_box)) for p in overset)
    fill.overset_pages = len(overset)
    if heights:
        fill.line_height = max(set(heights), key=heights.count)
    document.pages = [Page(sheet), *others]
    if keep_overset:
        document.pages += overset
    return fill


def _translate_backgrounds(root: boxes.Box, dx: float, dy: float) -> None:
    """Move the backgrounds of a moved column with it. WeasyPrint places each
    box's background (its painting area and clip) at layout time, in page
    coordinates, and ``translate`` moves the boxes only: a marked word or a
    tinted block in the article kept its colour where its column page had been."""

    def shift(area):
        # an area is (x, y, width, height, …); a layer without an image has
        # the string "unused" where its positioning area would be
        if not isinstance(area, tuple | list) or len(area) < 2:
            return area
        return type(area)([area[0] + dx, area[1] + dy, *area[2:]])

    for box in walk(root):
        background = getattr(box, "background", None)
        if background is None:
            continue
        layers = [
            layer._replace(
                painting_area=shift(layer.painting_area),
                positioning_area=shift(layer.positioning_area),
                clipped_boxes=[shift(clip) for clip in layer.clipped_boxes or ()],
            )
            for layer in background.layers
        ]
        box.background = background._replace(layers=layers)


def _body_lines(box: boxes.Box, in_heading: bool = False) -> list[boxes.LineBox]:
    """The lines of body text (not of section headings) under ``box``."""
    if isinstance(box, boxes.LineBox):
        return [] if in_heading else [box]
    in_heading = in_heading or getattr(box, "element_tag", "") in ("h2", "h3", "h4")
    return [
        line for child in getattr(box, "children", ()) for line in _body_lines(child, in_heading)
    ]


def _outside_article(box: boxes.Box, inside: bool = False) -> str:
    """Text on a column page that is not the article's."""
    box = getattr(box, "_box", box)
    inside = inside or _attr(box, "data-block") == "article"
    if isinstance(box, boxes.TextBox):
        return "" if inside else box.text.strip()
    return "".join(_outside_article(child, inside) for child in getattr(box, "children", ()))
