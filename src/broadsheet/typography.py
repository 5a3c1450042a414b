"""Chinese typography as markup: the spans the layout needs for clreq's rules.

Text comes in normalised; it goes out escaped, with spans that

- compress the first of two adjacent punctuation marks (OpenType ``halt``),
- set Latin letters and digits a quarter em off Chinese characters (the
  layout's margin, trimmed at line edges by the engine seam),
- keep ——/…… with the character before them, so they never start a line,
- keep a paragraph's last two characters together, so no line holds one
  character alone (孤字).

No character is added: the text layer of the PDF is the source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from broadsheet.normalise import HAN_RE

CLOSING = set("，。、；：？！”’）》〉」』】〕")
OPENING = set("“‘（《〈「『【〔")
PUNCTUATION = CLOSING | OPENING
LATIN_RUN = re.compile(r"[A-Za-z0-9]+(?:[.,:/+\-][A-Za-z0-9]+)*%?")
TWO_EM = re.compile(r"——|……")

CSS = """
.bs-halt { font-feature-settings: "halt"; }
.bs-latin-l { margin-left: 0.25em; }
.bs-latin-r { margin-right: 0.25em; }
.bs-keep { white-space: nowrap; }
"""


@dataclass
class _Span:
    start: int
    end: int
    css_class: str


def compressed_indexes(text: str) -> list[int]:
    """Marks that give up their blank half because another mark follows or precedes."""
    out = []
    for index in range(len(text) - 1):
        here, following = text[index], text[index + 1]
        if here in CLOSING and following in PUNCTUATION:
            out.append(index)
        elif (here in PUNCTUATION and following in OPENING and here not in OPENING) or (
            here in OPENING and following in OPENING
        ):
            out.append(index + 1)
    return sorted(set(out))


def latin_runs(text: str) -> list[_Span]:
    """Latin/digit runs that touch a Chinese character, with the side(s) to space."""
    runs = []
    for match in LATIN_RUN.finditer(text):
        start, end = match.span()
        left = start > 0 and HAN_RE.match(text[start - 1]) is not None
        right = end < len(text) and HAN_RE.match(text[end]) is not None
        classes = " ".join(c for c, on in (("bs-latin-l", left), ("bs-latin-r", right)) if on)
        if classes:
            runs.append(_Span(start, end, classes))
    return runs


def keep_ranges(text: str, paragraph_end: bool) -> list[tuple[int, int]]:
    ranges = []
    for match in TWO_EM.finditer(text):
        if match.start() > 0:
            ranges.append((match.start() - 1, match.end()))
    if paragraph_end:
        characters = [i for i, c in enumerate(text) if not c.isspace() and c not in PUNCTUATION]
        last_two = characters[-2:]
        if len(last_two) == 2 and all(HAN_RE.match(text[i]) for i in last_two):
            ranges.append((last_two[0], len(text.rstrip())))
    return ranges


def _merge(ranges: list[tuple[int, int]], runs: list[_Span]) -> list[tuple[int, int]]:
    """Widen keep ranges over the Latin runs they cut, and join those that overlap."""
    widened = []
    for start, end in ranges:
        for run in runs:
            if run.start < end and start < run.end:
                start, end = min(start, run.start), max(end, run.end)
        widened.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(widened):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def typeset_text(text: str, paragraph_end: bool = False) -> Markup:
    """Escape ``text`` and wrap what clreq's rules need in spans."""
    halts = set(compressed_indexes(text))
    runs = latin_runs(text)
    keeps = _merge(keep_ranges(text, paragraph_end), runs)
    if not (halts or runs or keeps):
        return escape(text)

    def inner(start: int, end: int) -> str:
        parts = []
        index = start
        while index < end:
            run = next((r for r in runs if r.start == index), None)
            if run is not None:
                parts.append(
                    f'<span class="{run.css_class}">{escape(text[run.start : run.end])}</span>'
                )
                index = run.end
            elif index in halts:
                parts.append(f'<span class="bs-halt">{escape(text[index])}</span>')
                index += 1
            else:
                stop = index + 1
                while stop < end and stop not in halts and not any(r.start == stop for r in runs):
                    stop += 1
                parts.append(str(escape(text[index:stop])))
                index = stop
        return "".join(parts)

    out = []
    position = 0
    for start, end in keeps:
        out.append(inner(position, start))
        out.append(f'<span class="bs-keep">{inner(start, end)}</span>')
        position = end
    out.append(inner(position, len(text)))
    return Markup("".join(out))
