"""Line breaks chosen for the whole paragraph (total fit), not line by line.

Pango breaks greedily: each line takes what fits. In a column of 10 to 15
characters a line that cannot take the next unit (a character and the closing
mark bound to it, a number, a paragraph's last two characters) is left with a
whole em or more to spread, gaps a reader sees and text extraction reads as
spaces. A desk's tools look at the paragraph: giving one character to the next
line a few lines earlier spreads that em over several lines. This module
finds, for one paragraph at one column width, the breaks that keep every line's
gaps smallest (Knuth and Plass's dynamic programme, with clreq's compression
policy as the shrink), from one unwrapped Pango layout of the paragraph.
``engine.lines`` asks it for each line's break; a line it cannot prove fits
falls back to the greedy break.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from dataclasses import dataclass

from weasyprint.layout import inline
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

# What a line costs (clreq's order: compress, then expand): stretch up to
# LOOSE_EM per gap costs little and grows with its square; a line beyond it
# costs more than any number of good lines (fewest loose lines first); a
# single mark compressed mid-line costs more than every good line of a
# paragraph together, so it is only ever chosen to spare a loose line (the
# compression policy, README "Punctuation"); an overfull line (a word wider
# than the column) is allowed only when nothing else is.
# clreq's and poppler's 0.10 em, less a margin for what the model of a line
# (one unwrapped layout, shared out as _justify_line does) misses
LOOSE_EM = 0.095
COMPRESSED_MARK = 100.0
LOOSE = 1000.0
OVERFULL = 1e6
MAX_COMPRESSED_PER_LINE = 2
# A line short of the column by more than this share of it, plus an em, is
# loose whatever its marks and script gaps.
LOOSE_SURE = 0.2
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Breaks:
    """One paragraph's breaks (character indexes where lines start) at a width."""

    first_width: float
    width: float
    starts: tuple[int, ...]


# (text from a line's start, that line's width, the font) → the line's length:
# every line of a solved paragraph, so that the calls for its later lines (and
# the final layout after the measuring one) are one lookup.
_cache: OrderedDict[tuple, int] = OrderedDict()


def clear() -> None:
    _cache.clear()


def _font_key(style) -> tuple:
    return (
        style["font_size"],
        tuple(style["font_family"]),
        style["font_weight"],
        style["font_style"],
        style["font_stretch"],
        str(style["letter_spacing"]),
        str(style["word_spacing"]),
    )


def next_break(
    text: str, style, context, max_width: float, justification_spacing: float, rules
) -> int | None:
    """Where the line that starts ``text`` should end (a character index), or
    None when the paragraph gives no better answer than the greedy break.

    ``rules`` is ``engine.lines``: its mark policy (end mark, single marks,
    compressed pairs, autospace), so that both measure lines alike.
    """
    font = _font_key(style)
    found = _cache.get((text, round(max_width, 2), font))
    if found is not None:
        return found
    indent = style["text_indent"]
    indent = indent.value if getattr(indent, "unit", None) == "px" else 0
    breaks = _solve(
        text, style, context, max_width, max_width + indent, justification_spacing, rules
    )
    if breaks is None:
        return None
    ends = [*breaks.starts[1:], len(text)]
    for start, end in zip(breaks.starts, ends, strict=True):
        width = breaks.first_width if start == 0 else breaks.width
        _cache[text[start:], round(width, 2), font] = end - start
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return ends[0]


def _advances(text: str, style, context, justification_spacing: float, rules):
    """Each character's advance (px) in one unwrapped line, where a line may
    break (before character i), as Pango sees the paragraph, and the marks
    whose halt a justified line would lose (``lines.halts_lost_when_justified``)."""
    layout = inline.create_layout(text, style, context, None, justification_spacing)
    try:
        line = pango.pango_layout_get_line_readonly(layout.layout, 0)
        if pango.pango_layout_get_line_readonly(layout.layout, 1) != ffi.NULL:
            return None  # a forced break inside: not one paragraph line
        offsets = {}
        position = 0
        for index, char in enumerate(text):
            offsets[position] = index
            position += len(char.encode())
        advances = [0.0] * len(text)
        run = line.runs
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            glyphs = glyph_item.glyphs
            base = glyph_item.item.offset
            for i in range(glyphs.num_glyphs):
                byte = base + glyphs.log_clusters[i]
                index = offsets.get(byte)
                if index is None:
                    return None
                advances[index] += glyphs.glyphs[i].geometry.width * FROM_UNITS
        count = ffi.new("int *")
        attrs = pango.pango_layout_get_log_attrs_readonly(layout.layout, count)
        breakable = [bool(attrs[i].is_line_break) for i in range(min(count[0], len(text) + 1))]
        marks = [i for i, c in enumerate(text) if c in rules.COMPRESSIBLE]
        unhaltable = rules.halts_lost_when_justified(layout, text, marks) if marks else set()
    finally:
        layout.deactivate()
    return advances, breakable, unhaltable


def _solve(text, style, context, first_width, width, justification_spacing, rules):
    measured = _advances(text, style, context, justification_spacing, rules)
    if measured is None:
        return None
    advances, breakable, unhaltable = measured
    n = len(text)
    em = style["font_size"]
    paragraph = _Paragraph(text, advances, em, rules, unhaltable)
    starts = [0, *(i for i in range(1, min(n, len(breakable))) if breakable[i])]
    # the widest a line can be and still fit, compressing all it may
    reach = max(first_width, width) + (MAX_COMPRESSED_PER_LINE + 1) * em / 2 + em
    best: dict[int, tuple[float, int]] = {0: (0.0, -1)}
    prefix = paragraph.prefix
    for end in [*starts[1:], n]:
        options = []
        for start in reversed(starts[: bisect.bisect_left(starts, end)]):
            if start not in best:
                continue
            natural = prefix[end] - prefix[start]
            if natural > reach and options:
                break  # an earlier start only makes the line wider
            available = first_width if start == 0 else width
            slack = available - natural
            if slack > LOOSE_SURE * available + em and end != n:
                # certainly loose (more than the script gaps and marks could
                # take): its cost needs no closer look
                gaps = max(1.0, natural / em - 1)
                cost = LOOSE + (slack / gaps / (LOOSE_EM * em)) ** 2
            else:
                cost = paragraph.cost(start, end, available, end == n)
            options.append((best[start][0] + cost, start))
        if options:
            best[end] = min(options)
    if n not in best:
        return None
    chosen = []
    position = best[n][1]
    while position >= 0:
        chosen.append(position)
        position = best[position][1]
    return Breaks(first_width, width, tuple(reversed(chosen)))


def _running(flags) -> list[int]:
    """Running counts of ``flags``: out[j] - out[i] counts those in [i, j)."""
    out = [0]
    for flag in flags:
        out.append(out[-1] + bool(flag))
    return out


class _Paragraph:
    """One paragraph's advances and marks, counted once, so that any line of
    it is costed in a few lookups (the DP looks at thousands of lines)."""

    def __init__(
        self, text: str, advances: list[float], em: float, rules, unhaltable: set[int]
    ) -> None:
        self.text, self.em, self.rules = text, em, rules
        self.prefix = [0.0]
        for advance in advances:
            self.prefix.append(self.prefix[-1] + advance)
        self.compressed = set(rules.compressed_indexes(text))
        marked = set(rules.marked_indexes(text))
        self.stretchers = _running(i in marked or c in " \u00a0" for i, c in enumerate(text))
        spaces = set(rules.autospace_indexes(text))
        self.script_gaps = _running(i in spaces for i in range(len(text)))
        self.unhaltable = unhaltable
        singles = set(rules.single_marks(text, self.compressed)) - unhaltable
        self.singles = _running(i in singles for i in range(len(text)))
        self.trailing = " " + rules.INVISIBLE
        self.closing = rules.COMPRESSIBLE & rules.CLOSING

    def cost(self, start: int, end: int, available: float, last: bool) -> float:
        text, em, half, rules = self.text, self.em, self.em / 2, self.rules
        # trailing spaces, and a script gap or break mark at the line's end,
        # take no room there
        kept = end
        while kept > start and text[kept - 1] in self.trailing:
            kept -= 1
        width = self.prefix[kept] - self.prefix[start]
        if last and width <= available + 0.01:
            return 0.0  # a paragraph's last line is not justified
        # a line-end mark is half width; so is a last line's when, full, it
        # takes the paragraph's end
        last_char = text[kept - 1] if kept > start else ""
        if (
            last_char in self.closing
            and kept - 1 not in self.compressed
            and kept - 1 not in self.unhaltable
        ):
            width -= half
        if width <= available + 0.01:
            extra = available - width
            # as _justify_line shares it: the gaps between Chinese characters,
            # and beyond a quiet stretch the script gaps (up to a bound each)
            nb = max(1.0, self.stretchers[kept] - self.stretchers[start] - 1.0)
            spacing = extra / nb
            quiet = rules.QUIET_STRETCH_EM * em
            gaps = (
                self.script_gaps[kept - 1] - self.script_gaps[start + 1] if kept > start + 1 else 0
            )
            if spacing > quiet and gaps > 0:
                taken = min((spacing - quiet) * nb, gaps * rules.AUTOSPACE_STRETCH_MAX_EM * em)
                spacing = (extra - taken) / nb
            stretch = spacing / em
            if stretch <= LOOSE_EM:
                return (stretch / LOOSE_EM) ** 2
            return LOOSE + (stretch / LOOSE_EM) ** 2
        over = width - available - rules.OVERSHOOT_EM * em
        if over <= 0:
            return 0.0
        inner = (start + 1, kept - 1) if kept > start + 1 else (start, start)
        singles = self.singles[inner[1]] - self.singles[inner[0]]
        needed = math.ceil(over / half - 0.001)
        if needed <= min(singles, MAX_COMPRESSED_PER_LINE):
            return COMPRESSED_MARK * needed
        return OVERFULL * (1 + over / em)
