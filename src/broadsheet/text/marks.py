"""Chinese typography as invisible marks in the text, for the line-layout seam.

The text stage adds no visible character and no markup. It inserts

- U+200B ZERO WIDTH SPACE where Latin letters or digits meet a Han character:
  the line-layout seam (``engine.lines``) gives it a quarter em, dropped at line
  edges (U+FEFF, the no-break form, where the two may not be parted either);
- U+2060 WORD JOINER to bind what must not be parted: the character before
  ——/……, so they never start a line, and a paragraph's last two characters,
  so no line holds one character alone (孤字).

Neither is drawn, so neither reaches the PDF's text layer, and a paragraph
stays one run of text, in which the seam can compress punctuation anywhere
on a line. Adjacent punctuation is compressed by the seam too.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from broadsheet.text.normalise import HAN_RE

AUTOSPACE = "\u200b"
AUTOSPACE_KEEP = "\ufeff"
JOIN = "\u2060"
INVISIBLE = AUTOSPACE + AUTOSPACE_KEEP + JOIN
CLOSING = set("，。、；：？！”’）》〉」』】〕")
OPENING = set("“‘（《〈「『【〔")
PUNCTUATION = CLOSING | OPENING
LATIN_RUN = re.compile(r"[A-Za-z0-9]+(?:[.,:/+\-][A-Za-z0-9]+)*%?")
TWO_EM = re.compile(r"——|……")


def compressed_indexes(text: str) -> list[int]:
    """Marks that give up their blank half because another mark is beside them
    (clreq: two marks take 1.5 em, not 2)."""
    out = set()
    for index in range(len(text) - 1):
        here, following = text[index], text[index + 1]
        if here in CLOSING and following in PUNCTUATION:
            out.add(index)
        elif here in PUNCTUATION and following in OPENING:
            out.add(index + 1)
    return sorted(out)


def autospace_positions(text: str) -> set[int]:
    """Indexes before which a quarter em goes: Latin/digit runs touching Han."""
    positions = set()
    for match in LATIN_RUN.finditer(text):
        start, end = match.span()
        if start > 0 and HAN_RE.match(text[start - 1]):
            positions.add(start)
        if end < len(text) and HAN_RE.match(text[end]):
            positions.add(end)
    return positions


def join_positions(text: str, paragraph_end: bool) -> set[int]:
    """Indexes before which no line may break."""
    positions = {m.start() for m in TWO_EM.finditer(text) if m.start() > 0}
    if paragraph_end:
        characters = [i for i, c in enumerate(text) if not c.isspace() and c not in PUNCTUATION]
        last_two = characters[-2:]
        if len(last_two) == 2 and HAN_RE.match(text[last_two[1]]):
            positions.update(range(last_two[0] + 1, last_two[1] + 1))
    return positions


def add_marks(text: str, paragraph_end: bool = False) -> str:
    """``text`` with the invisible marks inserted."""
    spaces = autospace_positions(text)
    joins = join_positions(text, paragraph_end)
    if not (spaces or joins):
        return text
    out = []
    for index, char in enumerate(text):
        if index in spaces:
            out.append(AUTOSPACE_KEEP if index in joins else AUTOSPACE)
        elif index in joins:
            out.append(JOIN)
        out.append(char)
    return "".join(out)


def typeset_text(text: str, paragraph_end: bool = False) -> Markup:
    """Escape ``text`` with its typography marks."""
    return escape(add_marks(text, paragraph_end))
