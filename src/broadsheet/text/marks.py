"""Chinese typography as invisible marks in the text, for the line-layout seam.

The text stage adds no visible character and no markup. It inserts

- U+200B ZERO WIDTH SPACE where Latin letters or digits meet a Han character:
  the line-layout seam (``engine.lines``) gives it a quarter em, dropped at line
  edges (U+FEFF, the no-break form, where the two may not be parted either);
- U+200B before an opening quote and after a closing one, as a break
  opportunity only. Pango breaks lines by UAX #14, where “ ” ‘ ’ (class QU)
  forbid a break on both sides, so a chain such as ``感慨：“从‘甲’`` could not
  break for several characters and the line before it was left loose; clreq
  allows a break there (never before a closing mark nor after an opening one);
- U+2060 WORD JOINER to bind what must not be parted: the character before
  ——/……, a range's connector (2025—2027, 10～15) and a middle dot, so they
  never start a line; and a paragraph's last two characters, so no line holds
  one character alone (孤字).

Neither is drawn, so neither reaches the PDF's text layer, and a paragraph
stays one run of text, in which the seam can compress punctuation anywhere
on a line. Adjacent punctuation is compressed by the seam too.
"""

from __future__ import annotations

import itertools
import re

from markupsafe import Markup, escape

from broadsheet.text.normalise import HAN_RE

AUTOSPACE = "\u200b"
AUTOSPACE_KEEP = "\ufeff"
JOIN = "\u2060"
INVISIBLE = AUTOSPACE + AUTOSPACE_KEEP + JOIN
BREAK = AUTOSPACE
CLOSING = set("，。、；：？！”’）》〉」』】〕")
OPENING = set("“‘（《〈「『【〔")
PUNCTUATION = CLOSING | OPENING
# Characters no line may start with (clreq, GB/T 15834): a break opportunity
# after a closing quote is not put before one of them.
NO_LINE_START = CLOSING | set("—…%‰℃·～")
LATIN_RUN = re.compile(r"[A-Za-z0-9]+(?:[.,:/+\-][A-Za-z0-9]+)*%?")
TWO_EM = re.compile(r"——|……")
MIDDLE_DOT = re.compile("(?<=.)[·・‧]")
RANGE = re.compile(r"(?<=[0-9年月日时号%℃])[—～](?=[0-9])")


def visible_neighbours(text: str, index: int) -> tuple[str, str]:
    """The visible characters before and after ``text[index]`` (invisible marks
    skipped), or '' at either end."""
    before = text[:index].rstrip(INVISIBLE)[-1:]
    after = text[index + 1 :].lstrip(INVISIBLE)[:1]
    return before, after


def compressed_indexes(text: str) -> list[int]:
    """Marks that give up their blank half because another mark is beside them
    (clreq: two marks take 1.5 em, not 2). Invisible marks between them count
    for nothing."""
    visible = [i for i, c in enumerate(text) if c not in INVISIBLE]
    out = set()
    for index, following_index in itertools.pairwise(visible):
        here, following = text[index], text[following_index]
        if here in CLOSING and following in PUNCTUATION:
            out.add(index)
        elif here in PUNCTUATION and following in OPENING:
            out.add(following_index)
    return sorted(out)


def break_positions(text: str) -> set[int]:
    """Indexes before which clreq allows a break that UAX #14 does not: before an
    opening quote, after a closing one."""
    positions = set()
    for index, char in enumerate(text):
        if char in "“‘" and index > 0:
            before = text[index - 1]
            if not before.isspace() and before not in OPENING:
                positions.add(index)
        elif char in "”’" and index + 1 < len(text):
            after = text[index + 1]
            if not after.isspace() and after not in NO_LINE_START and after not in "”’":
                positions.add(index + 1)
    return positions


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
    # A range's connector never starts a line; after it, as after a hyphen, a
    # line may break (binding 2025—2027 whole would leave narrow columns loose).
    # A middle dot (约翰·史密斯) never starts a line either.
    positions.update(m.start() for m in RANGE.finditer(text))
    positions.update(m.start() for m in MIDDLE_DOT.finditer(text))
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
    breaks = break_positions(text) - joins
    if not (spaces or joins or breaks):
        return text
    out = []
    for index, char in enumerate(text):
        if index in spaces:
            out.append(AUTOSPACE_KEEP if index in joins else AUTOSPACE)
        elif index in joins:
            out.append(JOIN)
        elif index in breaks:
            out.append(BREAK)
        out.append(char)
    return "".join(out)


def typeset_text(text: str, paragraph_end: bool = False) -> Markup:
    """Escape ``text`` with its typography marks."""
    return escape(add_marks(text, paragraph_end))
