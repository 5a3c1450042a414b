"""Chinese line layout inside WeasyPrint: justification, compression, autospace.

WeasyPrint justifies by widening U+0020 and NBSP alone, so a line of Chinese
(which has no spaces) ends short of the column edge. This module is the one
place that touches WeasyPrint internals for Chinese lines (the "justification
seam": weasyprint.layout.inline.justify_line/add_word_spacing/split_first_line
and weasyprint.text.line_break.Layout.set_text). Inside ``cjk_line_layout()``:

- a justified line stretches after every CJK character (Pango letter-spacing),
  never inside a number, a Latin word or a range (2025—2027); the quarter-em
  gaps between Han and Latin take a loose line's stretch too, within bounds;
- punctuation is compressed (OpenType ``halt``) by one policy, clreq's order,
  in every block: two adjacent marks always take 1.5 em, not 2; a closing mark
  at the end of a justified line is always half width; a single mark mid-line
  is compressed (at most two a line, nearest the end first) only to let a line
  take more text that would otherwise stretch more than ``LOOSE_EM``;
- a U+200B placed by the text stage between Han and Latin becomes a quarter em,
  except at a line edge (beside a quote it is a break opportunity only);
- where each line of a paragraph ends is ``engine.paragraph``'s choice (the
  fewest loose lines), this module's greedy break the fallback.

No character is drawn that is not in the source, so the PDF's text layer is the
source text.
"""

from __future__ import annotations

import copy
import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text import line_break
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango

from broadsheet.engine import paragraph
from broadsheet.text.marks import (
    AUTOSPACE,
    AUTOSPACE_KEEP,
    CLOSING,
    INVISIBLE,
    RANGE,
    compressed_indexes,
    visible_neighbours,
)
from broadsheet.text.normalise import CJK_CLASS, HAN_RE

SUPPORTED_MAJOR = 70
AUTOSPACE_EM = 0.25
# Full-width marks whose blank half may be given up (OpenType halt) to let a
# line take one more character: clreq compresses before it expands.
COMPRESSIBLE = set("，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕")
# A justified line whose gaps between Chinese characters would exceed this
# (em) is loose: poppler reads a gap of about 0.1 em as a word space, and the
# eye sees it. Only then may single marks mid-line be compressed.
LOOSE_EM = 0.10
MAX_COMPRESSED_PER_LINE = 2
# A line this short of the edge (em) tries to take more text by compressing
# its line-end mark, even when its stretch would stay under LOOSE_EM.
TAKE_MORE_EM = 1.5
# A longer line may overshoot the column by this much (em): justification then
# closes it up by a thousandth of an em a gap, which no reader sees, and the
# line is spared a loose setting.
OVERSHOOT_EM = 0.02
# The quarter-em gaps between Han and Latin take a loose line's stretch beyond
# this (em per gap), up to this much more each: digits and Latin words are
# never letter-spaced, so the script gaps are the only other place for it.
QUIET_STRETCH_EM = 0.09
AUTOSPACE_STRETCH_MAX_EM = 0.25
# Every CJK character but the ideographic space takes justification spacing.
_CJK = re.compile("[" + CJK_CLASS.replace("\u3000-\u303f", "\u3001-\u303f") + "]")
_LATIN = re.compile("[A-Za-z0-9%]")
# —— and …… are one mark of two em: never open a gap inside them.
UNSPLITTABLE = "—…"

_SPACES = (AUTOSPACE, AUTOSPACE_KEEP)
_original: dict = {}
_autospace_extra = 0.0  # set while one loose line is justified: what each script gap takes


def check_engine() -> None:
    """Fail loudly when WeasyPrint is not the version this seam was written for."""
    major = int(weasyprint.__version__.split(".")[0])
    missing = [
        name
        for name, owner in (
            ("justify_line", inline),
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
            f"WeasyPrint {weasyprint.__version__}: broadsheet's Chinese line layout was written "
            f"for WeasyPrint {SUPPORTED_MAJOR} (missing here: {', '.join(missing) or 'none'})"
        )


@lru_cache(maxsize=16384)
def marked_indexes(text: str) -> tuple[int, ...]:
    """Indexes of the characters that take justification letter-spacing: CJK
    characters, but not inside ——/…… nor a range's connector (2025—2027)."""
    indexes = set()
    for match in _CJK.finditer(text):
        index = match.start()
        char = text[index]
        if char in UNSPLITTABLE and char in (text[index + 1 : index + 2], text[index - 1 : index]):
            continue
        indexes.add(index)
    for index in [i for i in indexes if text[i] in "—～"]:
        before, after = visible_neighbours(text, index)
        if RANGE.search(before + text[index] + after):
            indexes.discard(index)
    # A mark's outer half at a text end is dropped by Pango, but not when an
    # invisible mark stands between it and the end: there it would show as a
    # gap at the line edge. Leave such a character unstretched.
    start = len(text) - len(text.lstrip(INVISIBLE))
    end = len(text.rstrip(INVISIBLE))
    if start:
        indexes.discard(start)
    if end < len(text):
        indexes.discard(end - 1)
    return tuple(sorted(indexes))


@lru_cache(maxsize=16384)
def expansion_weight(text: str, halted: tuple[int, ...] = ()) -> float:
    """How many units of letter-spacing Pango adds to ``text`` when its marked
    characters but the ``halted`` ones are letter-spaced by one unit.

    Pango puts half of a character's letter-spacing before it and half after,
    and drops the half that would stand before the first or after the last
    character of the text: a spaced character counts 1, less ½ at either end.
    A mark set half width (halt) takes no letter-spacing: Pango then drops the
    halt of a glyph from another font run (the Kai's marks), and the mark
    would come out full width.
    """
    indexes = [i for i in marked_indexes(text) if i not in halted]
    if not indexes:
        return 0.0
    weight = float(len(indexes))
    if indexes[0] == 0:
        weight -= 0.5
    if indexes[-1] == len(text) - 1:
        weight -= 0.5
    return weight


def halted_indexes(text: str, layout) -> tuple[int, ...]:
    """The marks of a text box set half width: adjacent pairs, and those the
    line breaking chose (``bs_halt`` on its layout)."""
    chosen = getattr(layout, "bs_halt", None) or ()
    return tuple(sorted(set(compressed_indexes(text)) | set(chosen)))


def _count(box: boxes.Box) -> float:
    if isinstance(box, boxes.TextBox):
        text = box.text
        if getattr(box, "bs_line_end", False):
            text = text.rstrip(" ")  # a space after the line's last word stretches nothing
        spaces = text.count(" ") + text.count("\u00a0")
        return spaces + expansion_weight(box.text, halted_indexes(box.text, box.pango_layout))
    if isinstance(box, boxes.LineBox | boxes.InlineBox):
        return sum(_count(child) for child in box.children)
    return 0


def autospace_indexes(text: str) -> list[int]:
    """U+200B/U+FEFF inside ``text`` between a Han character and a Latin letter
    or digit: quarter-em gaps. At either end of the text they stand at a line
    edge and take nothing; beside a quote, U+200B is a break opportunity only."""
    return [
        i
        for i in range(1, len(text) - 1)
        if text[i] in _SPACES
        and (
            (HAN_RE.match(text[i - 1]) and _LATIN.match(text[i + 1]))
            or (_LATIN.match(text[i - 1]) and HAN_RE.match(text[i + 1]))
        )
    ]


def _autospaces(box: boxes.Box) -> int:
    if isinstance(box, boxes.TextBox):
        return len(autospace_indexes(box.text))
    if isinstance(box, boxes.LineBox | boxes.InlineBox):
        return sum(_autospaces(child) for child in box.children)
    return 0


def _last_text_box(box: boxes.Box) -> boxes.TextBox | None:
    if isinstance(box, boxes.TextBox):
        return box
    for child in reversed(getattr(box, "children", ())):
        if (found := _last_text_box(child)) is not None:
            return found
    return None


def _justify_line(context, line, extra_width):
    global _autospace_extra
    if (last := _last_text_box(line)) is not None:
        last.bs_line_end = True
    if not (nb := _count(line)):
        return
    font_size = line.style["font_size"]
    spacing = extra_width / nb
    quiet = QUIET_STRETCH_EM * font_size
    if spacing > quiet and (gaps := _autospaces(line)):
        taken = min((spacing - quiet) * nb, gaps * AUTOSPACE_STRETCH_MAX_EM * font_size)
        _autospace_extra = taken / gaps
        spacing = (extra_width - taken) / nb
    try:
        inline.add_word_spacing(context, line, spacing, 0)
    finally:
        _autospace_extra = 0.0


def _add_word_spacing(context, box, justification_spacing, x_advance):
    if not isinstance(box, boxes.TextBox):
        return _original["add_word_spacing"](context, box, justification_spacing, x_advance)
    box.justification_spacing = justification_spacing
    box.position_x += x_advance
    nb = _count(box)
    gaps = len(autospace_indexes(box.text)) if _autospace_extra else 0
    if (nb or gaps) and box.pango_layout is not None:
        # WeasyPrint shapes a new Pango layout here that only drawing uses, and
        # drawing re-creates it anyway (Layout.reactivate): a copy of the
        # deactivated layout carrying the spacing is enough, and spares the
        # shaping in every layout pass.
        layout = copy.copy(box.pango_layout)
        layout.justification_spacing = justification_spacing
        layout.bs_autospace_extra = _autospace_extra
        extra = justification_spacing * nb + _autospace_extra * gaps
        x_advance += extra
        box.width += extra
        box.pango_layout = layout
    return x_advance


def _set_text(self, text, justify=False):
    _original["set_text"](self, text, justify)
    text = self.text
    if not text:
        return
    spacing = self.justification_spacing if justify else 0
    marked = marked_indexes(text) if spacing else ()
    halts = set(halted_indexes(text, self))
    spaces = autospace_indexes(text)
    if not (marked or halts or spaces):
        return
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + len(char.encode()))
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)

    def letter_spacing(index: int, amount: float) -> None:
        attr = pango.pango_attr_letter_spacing_new(int(amount * TO_UNITS))
        attr.start_index, attr.end_index = offsets[index], offsets[index + 1]
        pango.pango_attr_list_change(attr_list, attr)

    base = self.style["letter_spacing"]
    base = 0 if base == "normal" else base
    for index in marked:
        if index not in halts:
            letter_spacing(index, base + spacing)
    autospace = AUTOSPACE_EM * self.style["font_size"]
    if justify:
        autospace += getattr(self, "bs_autospace_extra", 0.0)
    for index in spaces:
        letter_spacing(index, autospace)
    for index in halts:
        attr = pango.pango_attr_font_features_new(b"halt 1")
        attr.start_index, attr.end_index = offsets[index], offsets[index + 1]
        pango.pango_attr_list_insert(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)


def _gaps(text: str) -> int:
    return max(1, len(marked_indexes(text)) - 1)


def end_mark(text: str) -> int | None:
    """Index of the closing mark that ends ``text`` (spaces and invisible marks
    after it aside), whose blank half a justified line gives up."""
    stripped = text.rstrip(" " + INVISIBLE)
    if stripped and stripped[-1] in COMPRESSIBLE and stripped[-1] in CLOSING:
        return len(stripped) - 1
    return None


def single_marks(text: str, skip: set[int]) -> list[int]:
    """Mid-line marks that may give up their blank half: never the text's first
    character (its neighbour, in another box, may be compressed already), nor a
    mark beside another mark (adjacent marks compress by their own rule)."""
    out = []
    for index, char in enumerate(text):
        if char not in COMPRESSIBLE or index == 0 or index in skip:
            continue
        before, after = visible_neighbours(text, index)
        if before not in COMPRESSIBLE and after not in COMPRESSIBLE:
            out.append(index)
    return out


def _split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    """Break as WeasyPrint does; then apply the compression policy to a line that
    will be justified (see the module docstring and README, "Punctuation")."""
    original = _original["split_first_line"]
    result = original(
        text, style, context, max_width, justification_spacing, is_line_start, minimum
    )
    _, length, resume_index, width, _, _ = result
    if resume_index is not None and text.encode()[:length].decode().endswith(_SPACES):
        # WeasyPrint keeps the width the line had inside the whole paragraph,
        # where the quarter em of its last U+200B still counted: measure alone.
        measured = _measure(
            text.encode()[:length].decode(), style, context, justification_spacing, None
        )
        if measured is not None:
            layout, width, height, baseline = measured
            result = layout, length, resume_index, width, height, baseline
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
    chosen = None
    if _CJK.search(text):
        chosen = paragraph.next_break(
            text, style, context, max_width, justification_spacing, sys.modules[__name__]
        )
    if chosen is not None and len(text[:chosen].encode()) != resume_index:
        # the paragraph's breaks ask for another line than Pango's
        if fitted := _fit(text, chosen, style, context, max_width, justification_spacing):
            return fitted
        chosen = None
    # 1. A closing mark at the end of a justified line is set half width, on
    # every line: one right edge for the whole column.
    if (end := end_mark(line_text)) is not None:
        measured = _measure(line_text, style, context, justification_spacing, [end])
        if measured is not None:
            layout, width, height, baseline = measured
            result = layout, length, resume_index, width, height, baseline
    if chosen is not None:
        return result  # Pango's break is the paragraph's
    deficit = max_width - width
    loose = deficit / _gaps(line_text) > LOOSE_EM * font_size
    if not loose and deficit < TAKE_MORE_EM * font_size:
        return result
    # 2. Take more text if its line-end mark, compressed, makes room; 3. only
    # when the line would otherwise be loose, also up to two single marks
    # mid-line, those nearest the end first.
    half = font_size / 2
    tried = length
    for halves in range(1, 2 + (MAX_COMPRESSED_PER_LINE if loose else 0)):
        trial = original(
            text,
            style,
            context,
            max_width + halves * half,
            justification_spacing,
            is_line_start,
            minimum,
        )
        if trial[1] <= tried:
            continue
        # The trial may take the rest of the paragraph: then this becomes its
        # last line (the 孤字 rule binds the last two characters, so this is
        # often the only way to avoid a loose line before them).
        tried = trial[1]
        longer = text.encode()[: trial[1]].decode().rstrip(" ")
        halts = [] if (end := end_mark(longer)) is None else [end]
        measured = _measure(longer, style, context, justification_spacing, halts)
        if measured is not None and measured[1] > max_width + OVERSHOOT_EM * font_size and loose:
            singles = single_marks(longer, set(compressed_indexes(longer)) | set(halts))
            needed = math.ceil((measured[1] - max_width) / half - 0.001)
            if 0 < needed <= min(len(singles), MAX_COMPRESSED_PER_LINE):
                halts += singles[-needed:]
                measured = _measure(longer, style, context, justification_spacing, halts)
        if measured is None or measured[1] > max_width + OVERSHOOT_EM * font_size:
            continue
        layout, new_width, new_height, baseline = measured
        return layout, len(longer.encode()), trial[2], new_width, new_height, baseline
    return result


def _fit(text, chosen, style, context, max_width, justification_spacing):
    """The line ``text[:chosen]`` the paragraph's breaks ask for, set by the
    compression policy and measured; None if it does not fit after all."""
    line = text[:chosen]
    stripped = line.rstrip(" ")
    last = chosen >= len(text)
    limit = max_width + OVERSHOOT_EM * style["font_size"]
    halts = [] if (end := end_mark(stripped)) is None else [end]
    measured = _measure(stripped, style, context, justification_spacing, [] if last else halts)
    if last and measured is not None and measured[1] > limit and halts:
        # a full last line takes the paragraph's end with its end mark halved
        measured = _measure(stripped, style, context, justification_spacing, halts)
    elif last:
        halts = []
    if measured is not None and measured[1] > limit:
        singles = single_marks(stripped, set(compressed_indexes(stripped)) | set(halts))
        needed = math.ceil((measured[1] - limit) / (style["font_size"] / 2) - 0.001)
        if 0 < needed <= min(len(singles), MAX_COMPRESSED_PER_LINE):
            halts += singles[-needed:]
            measured = _measure(stripped, style, context, justification_spacing, halts)
    if measured is None or measured[1] > limit:
        return None
    layout, width, height, baseline = measured
    resume = None if last else len(line.encode())
    return layout, len(stripped.encode()), resume, width, height, baseline


def halts_lost_when_justified(layout, text: str, halts) -> set[int]:
    """Halts Pango would not apply once the line is justified: on a mark set in
    another font than its neighbours (a layout's marks face, as the Kai's) with
    an invisible mark beside it. Measured, they work; drawn with the line's
    letter-spacing, the mark comes out full width and the line overruns."""
    risky = [
        i
        for i in halts
        if text[i - 1 : i] in tuple(INVISIBLE) or text[i + 1 : i + 2] in tuple(INVISIBLE)
    ]
    if not risky:
        return set()
    fonts = _fonts_by_index(layout, text)
    lost = set()
    for index in risky:
        neighbours = [
            fonts.get(j)
            for j in (index - 1, index + 1, index - 2, index + 2)
            if 0 <= j < len(text) and text[j] not in INVISIBLE
        ]
        if any(font is not None and font != fonts.get(index) for font in neighbours[:2]):
            lost.add(index)
    return lost


def _fonts_by_index(layout, text: str) -> dict[int, object]:
    """The font Pango set each character of the first line in."""
    offsets, position = {}, 0
    for index, char in enumerate(text):
        offsets[position] = index
        position += len(char.encode())
    fonts: dict[int, object] = {}
    run = pango.pango_layout_get_line_readonly(layout.layout, 0).runs
    while run != ffi.NULL:
        item = run.data.item
        run = run.next
        start, end = item.offset, item.offset + item.length
        for byte in range(start, end):
            if byte in offsets:
                fonts[offsets[byte]] = item.analysis.font
    return fonts


def _measure(text, style, context, justification_spacing, halts):
    layout = inline.create_layout(text, style, context, None, justification_spacing)
    layout.bs_halt = halts
    layout.set_text(text)
    if halts and (lost := halts_lost_when_justified(layout, text, halts)):
        layout.deactivate()  # a layout's attributes only accumulate: start afresh
        layout = inline.create_layout(text, style, context, None, justification_spacing)
        layout.bs_halt = [i for i in halts if i not in lost]
        layout.set_text(text)
    first_line, second = layout.get_first_line()
    if second is not None:
        layout.deactivate()
        return None
    width, height = line_break.line_size(first_line, style)
    baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    layout.deactivate()
    return layout, width, height, baseline


@contextmanager
def cjk_line_layout() -> Iterator[None]:
    """Lay out (and draw) Chinese lines as clreq asks, inside the block."""
    check_engine()
    if _original:  # already active (nested use)
        yield
        return
    _original.update(
        split_first_line=inline.split_first_line,
        justify_line=inline.justify_line,
        add_word_spacing=inline.add_word_spacing,
        set_text=line_break.Layout.set_text,
    )
    inline.split_first_line = _split_first_line
    inline.justify_line = _justify_line
    inline.add_word_spacing = _add_word_spacing
    line_break.Layout.set_text = _set_text
    try:
        yield
    finally:
        inline.split_first_line = _original["split_first_line"]
        inline.justify_line = _original["justify_line"]
        inline.add_word_spacing = _original["add_word_spacing"]
        line_break.Layout.set_text = _original["set_text"]
        _original.clear()
