"""CJK justification inside WeasyPrint: stretch between Chinese characters, not only spaces.

WeasyPrint justifies by widening U+0020 and NBSP alone, so a line of Chinese
(which has no spaces) ends short of the column edge. This module is the one
place that touches WeasyPrint internals for it (the "justification seam",
weasyprint.layout.inline.justify_line and weasyprint.text.line_break.Layout):
it counts the gap after every CJK character as an expansion opportunity and
gives those characters Pango letter-spacing. No character is added, so the
text layer stays exactly the source text.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text import line_break
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango

from broadsheet.normalise import CJK_CLASS, is_cjk

SUPPORTED_MAJOR = 70
# Full-width marks whose blank half may be given up (OpenType halt) to let a
# line take one more character: clreq compresses before it expands.
COMPRESSIBLE = set("，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕")
# Expansion below this (em per gap) is left alone: it reads as even spacing and
# text extraction does not see it as a word space (poppler breaks at 0.1 em).
COMPRESS_ABOVE_EM = 0.06
MAX_COMPRESSED_PER_LINE = 2
# Latin runs in Chinese text share the stretch of lines looser than this.
LATIN_SHARES_ABOVE_EM = 0.09
_latin_spacing = 0.0
# Every CJK character but the ideographic space takes justification spacing.
_MARKABLE = re.compile("[" + CJK_CLASS.replace("\u3000-\u303f", "\u3001-\u303f") + "]")
# —— and …… are one mark of two em: never open a gap inside them.
UNSPLITTABLE = "—…"


def check_engine() -> None:
    """Fail loudly when WeasyPrint is not the version this seam was written for."""
    major = int(weasyprint.__version__.split(".")[0])
    missing = [
        name
        for name, owner in (
            ("justify_line", inline),
            ("text_align", inline),
            ("count_expandable_spaces", inline),
            ("add_word_spacing", inline),
            ("create_layout", inline),
            ("split_first_line", inline),
            ("line_size", line_break),
            ("Layout", line_break),
        )
        if not hasattr(owner, name)
    ]
    if major != SUPPORTED_MAJOR or missing:
        raise RuntimeError(
            f"WeasyPrint {weasyprint.__version__}: broadsheet's CJK justification was written "
            f"for WeasyPrint {SUPPORTED_MAJOR} (missing here: {', '.join(missing) or 'none'})"
        )


@lru_cache(maxsize=16384)
def marked_indexes(text: str) -> tuple[int, ...]:
    """Indexes of the characters that take justification letter-spacing."""
    indexes = []
    for match in _MARKABLE.finditer(text):
        index = match.start()
        char = text[index]
        if char in UNSPLITTABLE and (
            text[index + 1 : index + 2] == char or text[index - 1 : index] == char
        ):
            continue
        indexes.append(index)
    return tuple(indexes)


@lru_cache(maxsize=16384)
def expansion_weight(text: str) -> float:
    """How many letter-spacing units Pango adds to ``text`` when its marked characters
    are letter-spaced.

    Pango puts half of a character's letter-spacing before it and half after,
    and drops the half that would stand before the first or after the last
    character of the text: a marked character counts 1, less ½ at either end.
    """
    indexes = marked_indexes(text)
    if not indexes:
        return 0.0
    weight = float(len(indexes))
    if indexes[0] == 0:
        weight -= 0.5
    if indexes[-1] == len(text) - 1:
        weight -= 0.5
    return weight


def _count(box: boxes.Box) -> float:
    if isinstance(box, boxes.TextBox):
        if _is_latin_run(box):
            return 0
        spaces = box.text.count(" ") + box.text.count("\u00a0")
        return spaces + expansion_weight(box.text)
    if isinstance(box, boxes.LineBox | boxes.InlineBox):
        return sum(_count(child) for child in box.children)
    return 0


def _is_latin_run(box: boxes.TextBox) -> bool:
    """A run of Latin letters or digits set in Chinese text (a typography span)."""
    element = box.element
    return element is not None and "bs-latin" in (element.get("class") or "")


def _latin_count(box: boxes.Box) -> float:
    """Gaps inside Latin runs (Pango drops the halves at the run's two ends)."""
    if isinstance(box, boxes.TextBox):
        return max(0, len(box.text) - 1) if _is_latin_run(box) else 0
    if isinstance(box, boxes.LineBox | boxes.InlineBox):
        return sum(_latin_count(child) for child in box.children)
    return 0


EDGE_TRIMMED_CLASSES = {"bs-latin-l", "bs-latin-r"}


def _edge_box(box: boxes.Box, side: str) -> tuple[list[boxes.Box], boxes.Box] | None:
    """The chain of inline boxes from ``box`` down to a spaced Latin run at its ``side`` edge."""
    chain = []
    while isinstance(box, boxes.LineBox | boxes.InlineBox):
        flow = [c for c in box.children if c.is_in_normal_flow()]
        if not flow:
            return None
        child = flow[0] if side == "left" else flow[-1]
        if not isinstance(child, boxes.InlineBox):
            return None
        element = child.element
        classes = set((element.get("class") or "").split()) if element is not None else set()
        if classes & EDGE_TRIMMED_CLASSES and getattr(child, f"margin_{side}"):
            return chain, child
        if getattr(child, f"margin_{side}") or getattr(child, f"padding_{side}"):
            return None
        chain.append(child)
        box = child
    return None


def trim_line_edges(line: boxes.LineBox) -> None:
    """Drop the quarter-em gap of a Latin run that starts or ends the line (clreq:
    no script gap at line edges), giving its width back to the line."""
    found = _edge_box(line, "right")
    if found:
        chain, run = found
        margin, run.margin_right = run.margin_right, 0
        for box in (line, *chain):
            box.width -= margin
    found = _edge_box(line, "left")
    if found:
        chain, run = found
        margin, run.margin_left = run.margin_left, 0
        for child in run.children:
            child.translate(-margin)
        for parent, child in zip((line, *chain), (*chain, run), strict=True):
            after = parent.children[parent.children.index(child) + 1 :]
            for sibling in after:
                sibling.translate(-margin)
        for box in (line, *chain):
            box.width -= margin


def _text_align(context, line, available_width, last):
    trim_line_edges(line)
    return _original["text_align"](context, line, available_width, last)


def _justify_line(context, line, extra_width):
    global _latin_spacing
    nb = _count(line)
    if not nb:
        return
    spacing = extra_width / nb
    latin = _latin_count(line)
    if latin and spacing > LATIN_SHARES_ABOVE_EM * line.style["font_size"]:
        # A loose line with digits in it: the digits share the stretch, so they
        # are not the only tight spots of the line (text extraction reads gaps
        # much wider than the line's tightest one as word spaces).
        spacing = extra_width / (nb + latin)
        _latin_spacing = spacing
    try:
        inline.add_word_spacing(context, line, spacing, 0)
    finally:
        _latin_spacing = 0.0


def _add_word_spacing(context, box, justification_spacing, x_advance):
    if not isinstance(box, boxes.TextBox):
        return _original["add_word_spacing"](context, box, justification_spacing, x_advance)
    if _latin_spacing and _is_latin_run(box):
        justification_spacing = _latin_spacing
        nb = _latin_count(box)
    else:
        nb = _count(box)
    box.justification_spacing = justification_spacing
    box.position_x += x_advance
    if nb and box.pango_layout is not None:
        # WeasyPrint shapes a new Pango layout here, which only drawing uses;
        # drawing re-creates it anyway (Layout.reactivate), so a copy of the
        # deactivated layout with the spacing is enough: no shaping during
        # the many layout passes of column balancing.
        layout = copy.copy(box.pango_layout)
        layout.justification_spacing = justification_spacing
        layout.bs_latin = _is_latin_run(box)
        extra = justification_spacing * nb
        x_advance += extra
        box.width += extra
        box.pango_layout = layout
    return x_advance


def _set_text(self, text, justify=False):
    _original["set_text"](self, text, justify)
    halts = getattr(self, "bs_halt", None)
    spacing = self.justification_spacing if justify else 0
    if spacing and self.text and getattr(self, "bs_latin", False):
        indexes = tuple(range(len(self.text)))
    else:
        indexes = marked_indexes(self.text) if spacing and self.text else ()
    if not (halts or indexes):
        return
    letter_spacing = self.style["letter_spacing"]
    base = 0 if letter_spacing == "normal" else letter_spacing
    offsets = [0]
    for char in self.text:
        offsets.append(offsets[-1] + len(char.encode()))
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    units = int((base + spacing) * TO_UNITS)
    for index in indexes:
        attr = pango.pango_attr_letter_spacing_new(units)
        attr.start_index, attr.end_index = offsets[index], offsets[index + 1]
        pango.pango_attr_list_change(attr_list, attr)
    for index in halts or ():
        if index < len(self.text):
            attr = pango.pango_attr_font_features_new(b"halt 1")
            attr.start_index, attr.end_index = offsets[index], offsets[index + 1]
            pango.pango_attr_list_insert(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)


def _gaps(text: str) -> int:
    return max(1, sum(1 for c in text if is_cjk(c)) - 1)


def _split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    """Break as WeasyPrint does; then, for a justified line that would have to
    stretch visibly, try to take more text by compressing punctuation."""
    original = _original["split_first_line"]
    result = original(
        text, style, context, max_width, justification_spacing, is_line_start, minimum
    )
    _layout, length, resume_index, width, _height, _baseline = result
    font_size = style["font_size"]
    if (
        minimum
        or resume_index is None
        or max_width is None
        or max_width == float("inf")
        or not font_size
        or style["text_align_all"] != "justify"
        or style["white_space"] not in ("normal", "pre-line")
    ):
        return result
    line_text = text.encode()[:length].decode()
    if (max_width - width) / _gaps(line_text) <= COMPRESS_ABOVE_EM * font_size:
        return result
    half = font_size / 2
    trial = original(
        text,
        style,
        context,
        max_width + MAX_COMPRESSED_PER_LINE * half,
        justification_spacing,
        is_line_start,
        minimum,
    )
    trial_length, trial_width = trial[1], trial[3]
    if trial_length <= length:
        return result
    longer = text.encode()[:trial_length].decode().rstrip(" ")
    marks = [i for i, c in enumerate(longer) if c in COMPRESSIBLE]
    needed = int(-(-(trial_width - max_width) // half))  # ceil
    if needed > min(len(marks), MAX_COMPRESSED_PER_LINE):
        return result
    # The line-end mark first (clreq), then those nearest the end.
    chosen = sorted(marks[-needed:]) if needed else []
    compressed = _measure(longer, style, context, justification_spacing, chosen)
    if compressed is None or compressed[1] > max_width + 0.01:
        return result
    new_layout, new_width, new_height, new_baseline = compressed
    return new_layout, len(longer.encode()), trial[2], new_width, new_height, new_baseline


def _measure(text, style, context, justification_spacing, halts):
    layout = inline.create_layout(text, style, context, None, justification_spacing)
    layout.bs_halt = halts
    layout.set_text(text)
    first_line, second = layout.get_first_line()
    if second is not None:
        layout.deactivate()
        return None
    width, height = line_break.line_size(first_line, style)
    baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    layout.deactivate()
    return layout, width, height, baseline


_original: dict = {}


@contextmanager
def cjk_justification() -> Iterator[None]:
    """Justify CJK text in every WeasyPrint layout and drawing done inside the block."""
    check_engine()
    if _original:  # already active (nested use)
        yield
        return
    _original.update(
        split_first_line=inline.split_first_line,
        text_align=inline.text_align,
        justify_line=inline.justify_line,
        add_word_spacing=inline.add_word_spacing,
        set_text=line_break.Layout.set_text,
    )
    inline.split_first_line = _split_first_line
    inline.text_align = _text_align
    inline.justify_line = _justify_line
    inline.add_word_spacing = _add_word_spacing
    line_break.Layout.set_text = _set_text
    try:
        yield
    finally:
        inline.split_first_line = _original["split_first_line"]
        inline.text_align = _original["text_align"]
        inline.justify_line = _original["justify_line"]
        inline.add_word_spacing = _original["add_word_spacing"]
        line_break.Layout.set_text = _original["set_text"]
        _original.clear()
