"""Read a measuring layout: the fixed top, and each text of the area at each width."""

from __future__ import annotations

from collections.abc import Iterator

from weasyprint.formatting_structure import boxes

from broadsheet.compose.measures import Measures, Unit


def walk(box: boxes.Box) -> Iterator[boxes.Box]:
    # an absolutely positioned box sits in the tree inside a placeholder
    box = getattr(box, "_box", box)
    yield box
    for child in getattr(box, "children", None) or ():
        yield from walk(child)


def _attr(box: boxes.Box, name: str) -> str | None:
    """An attribute of the element a box is the principal box of (not of its
    ::before or ::after boxes, which share the element)."""
    element = getattr(box, "element", None)
    if element is None or "::" in (getattr(box, "element_tag", "") or ""):
        return None
    return element.get(name)


def _first(root: boxes.Box, test) -> boxes.Box | None:
    return next((b for b in walk(root) if test(b)), None)


def _lines(box: boxes.Box) -> list[boxes.LineBox]:
    return [b for b in walk(box) if isinstance(b, boxes.LineBox)]


def _border_height(box: boxes.Box) -> float:
    return box.border_height()


def _text(box: boxes.Box) -> str:
    return "".join(b.text for b in walk(box) if isinstance(b, boxes.TextBox))


def read_measures(document) -> Measures:
    """``document``: a WeasyPrint Document of the page template rendered ``measuring``."""
    pages = [page._page_box for page in document.pages]
    sheet = pages[0]
    area = _first(sheet, lambda b: _attr(b, "data-measure") == "area")
    advert = _first(sheet, lambda b: _attr(b, "data-block") == "advertisement")
    assert area is not None, "the measuring page has no area"
    page_with = {}
    current_span = 1
    flows: dict[float, tuple[Unit, ...]] = {}
    notes: dict[float, tuple[tuple[float, ...], float]] = {}
    headlines: dict[float, tuple[float, tuple[int, ...]]] = {}
    for page in pages[1:]:
        for box in walk(page):
            headline_scale = _attr(box, "data-headline-scale")
            if headline_scale is not None and float(headline_scale) not in headlines:
                group = _first(box, lambda b: _attr(b, "data-block") == "headline")
                title = _first(box, lambda b: getattr(b, "element_tag", "") == "h1")
                if group is not None and title is not None:
                    headlines[float(headline_scale)] = (
                        group.margin_height(),
                        _headline_counts(title),
                    )
            note_scale = _attr(box, "data-note-scale")
            if note_scale is not None and float(note_scale) not in notes:
                found = _first(box, lambda b: _attr(b, "data-block") == "editors_note")
                if found is not None:
                    chrome = found.margin_top + found.border_height() - found.height
                    notes[float(note_scale)] = (tuple(li.height for li in _lines(found)), chrome)
            scale = _attr(box, "data-type-scale")
            if scale is not None and isinstance(box, boxes.BlockBox) and float(scale) not in flows:
                article = _first(box, lambda b: _attr(b, "data-block") == "article")
                if article is not None:
                    flows[float(scale)] = tuple(_units(article))
            key = _attr(box, "data-measure") or _attr(box, "data-block")
            span = _attr(box, "data-span")
            if span is not None:
                current_span = int(span)
            if key and (key, current_span) not in page_with and box.element_tag != "p":
                page_with[(key, current_span)] = box
    note_lines, note_chrome = notes.get(1.0, next(iter(notes.values()), ((), 0.0)))
    if 1.0 not in headlines:
        # the stylesheet's size is the sheet's own headline
        group = _first(sheet, lambda b: _attr(b, "data-block") == "headline")
        title = _first(group, lambda b: getattr(b, "element_tag", "") == "h1") if group else None
        if group is not None and title is not None:
            headlines[1.0] = (group.margin_height(), _headline_counts(title))
    article = page_with.get(("article", 1))
    flow = flows.get(1.0, next(iter(flows.values()), ()))
    leading = 1.0  # a pass measuring other size steps alone has no article at 1.0
    if article is not None:
        font_size = article.style["font_size"]
        line_height = article.style["line_height"]
        # a number (1.7) or a length (Dimension with .value in px)
        number = isinstance(line_height, float | int)
        leading = line_height if number else line_height.value / font_size
    measures = Measures(
        content_top=sheet.content_box_y(),
        content_height=sheet.height,
        area_top=area.content_box_y(),
        area_width=area.width,
        bottom_height=advert.margin_height() if advert is not None else 0.0,
        note_lines=note_lines,
        note_chrome=note_chrome,
        flow=flow,
        leading=leading,
        flows=flows,
        notes=notes,
        headlines=headlines,
    )
    for (key, span), box in page_with.items():
        kind, _, index = key.partition("-")
        if kind == "quote":
            index, _, size = index.partition("@")
            if index.isdigit():
                measures.quotes[(int(index), span, float(size or 1))] = box.margin_height()
            continue
        table = {"figure": measures.figure_captions, "quote": measures.quotes}.get(kind)
        if kind == "box":
            table = measures.boxes
        if table is not None and index.isdigit():
            table[(int(index), span)] = box.margin_height()
    return measures


def _headline_counts(title: boxes.Box) -> tuple[int, ...]:
    # characters, not marks: “密码” is two, and so is 更浓 with its joiner
    return tuple(sum(ch.isalnum() for ch in _text(line)) for line in _lines(title))


def _units(article: boxes.Box) -> Iterator[Unit]:
    index = -1
    for child in article.children:
        if not isinstance(child, boxes.BlockBox):
            continue
        is_byline = "byline" in (_attr(child, "class") or "")
        if not is_byline:
            index += 1
        block = -1 if is_byline else index
        lines = [c for c in child.children if isinstance(c, boxes.LineBox)]
        if child.element_tag == "p" and lines and len(lines) == len(child.children):
            heights = {round(line.height, 3) for line in lines}
            yield Unit(
                "lines",
                block,
                len(lines),
                max(heights),
                child.margin_top,
                child.margin_bottom,
                text=_text(child),
            )
        else:
            yield Unit(
                "block",
                block,
                1,
                child.border_height(),
                child.margin_top,
                child.margin_bottom,
                keep_with_next=child.element_tag in ("h2", "h3", "h4"),
                text=_text(child),
            )


def note_columns(document) -> tuple[int, int] | None:
    """Lines in the editor's note's left and right column on the laid-out sheet."""
    sheet = document.pages[0]._page_box
    note = _first(sheet, lambda b: _attr(b, "data-block") == "editors_note")
    if note is None:
        return None
    lines = _lines(note)
    if not lines:
        return None
    if note.style["column_count"] in ("auto", 1):
        return None  # one column: nothing to balance
    middle = note.content_box_x() + note.width / 2
    left = sum(1 for line in lines if line.position_x < middle)
    return left, len(lines) - left


def article_pages(document) -> list[tuple[float, float, int]]:
    """(depth, used, lines) of the article on each page it runs over (px)."""
    found = []
    for page in document.pages:
        page_box = page._page_box
        article = _first(page_box, lambda b: _attr(b, "data-block") == "article")
        if article is None:
            continue
        lines = [b for b in walk(article) if isinstance(b, (boxes.LineBox,))]
        blocks = [
            b for b in walk(article) if _attr(b, "class") and "inline-item" in _attr(b, "class")
        ]
        # a block's own bottom edge: its bottom margin is space, not content
        bottoms = [b.position_y + b.height for b in lines] + [
            b.position_y + b.margin_top + b.border_height() for b in blocks
        ]
        top = max(article.content_box_y(), page_box.content_box_y())
        depth = page_box.content_box_y() + page_box.height - top
        found.append((depth, (max(bottoms) - top) if bottoms else 0.0, len(lines)))
    return found
