"""Chinese line layout inside WeasyPrint: justification, compression, autospace.

WeasyPrint justifies by widening U+0020 and NBSP alone, so a line of Chinese
(which has no spaces) ends short of the column edge. This module is the one
place that touches WeasyPrint internals for Chinese lines (the "justification
seam": weasyprint.layout.inline.justify_line/add_word_spacing/split_first_line
and weasyprint.text.line_break.Layout.set_text). Inside ``cjk_line_layout()``:

- a justified line stretches after every CJK character (Pango letter-spacing);
- a line that would have to stretch visibly first tries to take more text by
  setting up to two punctuation marks half width (OpenType ``halt``), as clreq
  orders: compress, then expand;
- two adjacent marks are set in 1.5 em, not 2 (``halt`` on one of them);
- a U+200B placed by the text stage between Han and Latin becomes a quarter em,
  except at a line edge.

No character is drawn that is not in the source, so the PDF's text layer is the
source text.
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

from broadsheet.text.marks import AUTOSPACE, AUTOSPACE_KEEP, INVISIBLE, compressed_indexes
from broadsheet.text.normalise import CJK_CLASS, HAN_RE

SUPPORTED_MAJOR = 70
AUTOSPACE_EM = 0.25
# Full-width marks whose blank half may be given up (OpenType halt) to let a
# line take one more character: clreq compresses before it expands.
COMPRESSIBLE = set("，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕")
# Stretch below this (em per gap) is left alone: it reads as even spacing, and
# text extraction (poppler: 0.1 em) does not take it for a word space.
COMPRESS_ABOVE_EM = 0.06
MAX_COMPRESSED_PER_LINE = 2
# Numbers in a line looser than this share its stretch, so that they are not the
# line's only tight spots (extraction reads gaps much wider than the tightest
# one as word spaces). Words never do: tracked letters read as w o r d s.
NUMBERS_SHARE_ABOVE_EM = 0.09
# Before that, the quarter-em gaps between Han and Latin take a loose line's
# stretch beyond this (em per gap), up to this much more each: a line with
# script gaps is never uniform, so its CJK gaps must stay under 0.1 em.
QUIET_STRETCH_EM = 0.09
AUTOSPACE_STRETCH_MAX_EM = 0.25
# Every CJK character but the ideographic space takes justification spacing.
_CJK = re.compile("[" + CJK_CLASS.replace("\u3000-\u303f", "\u3001-\u303f") + "]")
_NUMBER = re.compile(r"[0-9]+(?:[.,:/][0-9]+)*%?")
# —— and …… are one mark of two em: never open a gap inside them.
UNSPLITTABLE = "—…"

_SPACES = (AUTOSPACE, AUTOSPACE_KEEP)
_original: dict = {}
_numbers_share = False  # set while one loose line is being justified
_autospace_extra = 0.0  # likewise: what each script gap of that line takes


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
def marked_indexes(text: str, numbers: bool = False) -> tuple[int, ...]:
    """Indexes of the characters that take justification letter-spacing."""
    indexes = set()
    for match in _CJK.finditer(text):
        index = match.start()
        char = text[index]
        if char in UNSPLITTABLE and char in (text[index + 1 : index + 2], text[index - 1 : index]):
            continue
        indexes.add(index)
    if numbers:
        for match in _NUMBER.finditer(text):
            indexes.update(range(*match.span()))
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
def expansion_weight(text: str, numbers: bool = False) -> float:
    """How many units of letter-spacing Pango adds to ``text`` when its marked
    characters are letter-spaced by one unit.

    Pango puts half of a character's letter-spacing before it and half after,
    and drops the half that would stand before the first or after the last
    character of the text: a marked character counts 1, less ½ at either end.
    """
    indexes = marked_indexes(text, numbers)
    if not indexes:
        return 0.0
    weight = float(len(indexes))
    if indexes[0] == 0:
        weight -= 0.5
    if indexes[-1] == len(text) - 1:
        weight -= 0.5
    return weight


def _count(box: boxes.Box, numbers: bool = False) -> float:
    if isinstance(box, boxes.TextBox):
        text = box.text
        if getattr(box, "bs_line_end", False):
            text = text.rstrip(" ")  # a space after the line's last word stretches nothing
        spaces = text.count(" ") + text.count("\u00a0")
        return spaces + expansion_weight(box.text, numbers)
    if isinstance(box, boxes.LineBox | boxes.InlineBox):
        return sum(_count(child, numbers) for child in box.children)
    return 0


def autospace_indexes(text: str) -> list[int]:
    """U+200B/U+FEFF inside ``text`` beside a Han character: quarter-em gaps.
    At either end of the text they stand at a line edge and take nothing."""
    return [
        i
        for i in range(1, len(text) - 1)
        if text[i] in _SPACES and (HAN_RE.match(text[i - 1]) or HAN_RE.match(text[i + 1]))
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
    global _numbers_share, _autospace_extra
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
    if spacing > NUMBERS_SHARE_ABOVE_EM * font_size:
        with_numbers = _count(line, numbers=True)
        if with_numbers > nb:
            spacing = (extra_width - _autospace_extra * _autospaces(line)) / with_numbers
            _numbers_share = True
    try:
        inline.add_word_spacing(context, line, spacing, 0)
    finally:
        _numbers_share = False
        _autospace_extra = 0.0


def _add_word_spacing(context, box, justification_spacing, x_advance):
    if not isinstance(box, boxes.TextBox):
        return _original["add_word_spacing"](context, box, justification_spacing, x_advance)
    box.justification_spacing = justification_spacing
    box.position_x += x_advance
    nb = _count(box, _numbers_share)
    gaps = len(autospace_indexes(box.text)) if _autospace_extra else 0
    if (nb or gaps) and box.pango_layout is not None:
        # WeasyPrint shapes a new Pango layout here that only drawing uses, and
        # drawing re-creates it anyway (Layout.reactivate): a copy of the
        # deactivated layout carrying the spacing is enough, and spares the
        # shaping in every layout pass.
        layout = copy.copy(box.pango_layout)
        layout.justification_spacing = justification_spacing
        layout.bs_numbers = _numbers_share
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
    marked = marked_indexes(text, getattr(self, "bs_numbers", False)) if spacing else ()
    halts = set(compressed_indexes(text)) | set(getattr(self, "bs_halt", None) or ())
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


def _split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    """Break as WeasyPrint does; then, for a justified line that would have to
    stretch visibly, try to take more text by compressing punctuation."""
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
    already = set(compressed_indexes(longer))
    # Never a mark at the start of the text (its neighbour, in another box, may
    # be compressed already) nor one beside another mark: two compressed marks
    # side by side would overlap, and text extraction would misorder them.
    marks = [
        i
        for i, c in enumerate(longer)
        if c in COMPRESSIBLE
        and i > 0
        and i not in already
        and longer[i - 1] not in COMPRESSIBLE
        and longer[i + 1 : i + 2] not in COMPRESSIBLE
    ]
    needed = int(-(-(trial_width - max_width) // half))  # ceil
    if needed > min(len(marks), MAX_COMPRESSED_PER_LINE):
        return result
    # The line-end mark first (clreq), then those nearest the end.
    measured = _measure(longer, style, context, justification_spacing, marks[-needed:])
    if measured is None or measured[1] > max_width + 0.01:
        return result
    layout, new_width, new_height, baseline = measured
    return layout, len(longer.encode()), trial[2], new_width, new_height, baseline


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
