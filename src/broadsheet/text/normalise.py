"""Text normalisation at build time (the source files stay as written).

Chinese punctuation per GB/T 15834: half-width marks next to Chinese become
full width, straight quotes become “” ‘’, dashes and ellipses take their
two-em forms, full-width letters and digits become half width, and spaces
typed between Chinese and Latin go (that gap is the layout's job).
autocorrect-py does part of it; the rules below do what it leaves alone.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass

import autocorrect_py

# Han ideographs, kana, CJK punctuation and full-width forms.
CJK_CLASS = (
    "\u2e80-\u2eff\u2f00-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u2014\u2026\u201c\u201d\u2018\u2019"
)
CJK = f"[{CJK_CLASS}]"
CJK_RE = re.compile(CJK)
HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# autocorrect: full-width punctuation in Chinese, half-width letters; never a
# typed space (spacing between scripts is made by layout).
_AUTOCORRECT_RULES = {
    "space-word": 0,
    "space-punctuation": 0,
    "space-bracket": 0,
    "space-dash": 0,
    "space-backticks": 0,
    "space-dollar": 0,
    "fullwidth": 1,
    "halfwidth-word": 1,
    "halfwidth-punctuation": 1,
    "no-space-fullwidth": 1,
    "no-space-fullwidth-quote": 1,
    "spellcheck": 0,
}
autocorrect_py.load_config(json.dumps({"rules": _AUTOCORRECT_RULES}))

FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_MARK_AFTER_CJK = re.compile(rf"(?<={CJK})[ \t]*([,:;?!])[ \t]*")
_MARK_BEFORE_CJK = re.compile(rf"([,:;?!])[ \t]*(?={CJK})")
# Inside one paragraph a pair may span a source line break, never a blank line.
_PARENS = re.compile(r"\(((?:[^()\n]|\n(?!\n))*)\)")
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\n]|\n(?!\n))*)"')
_SINGLE_QUOTED = re.compile(r"(?<![A-Za-z])'((?:[^'\n]|\n(?!\n))*)'(?![A-Za-z])")
_ELLIPSIS = re.compile(r"\.{3,6}|。{3,6}|…+|⋯+")
_DASH = re.compile(r"-{2,3}|—+|―+")
# GB/T 15834-2011 4.13: between numbers a single — (一字线) or ～ (浪纹线)
# connects a range (2025—2027年, 3—5月, 10～15℃): it is not a 破折号. A unit
# may stand after the first number (2011年2月—10月, 10℃～15℃).
_RANGE = re.compile(r"([0-9](?:[年月日时号%]|℃)?)[ \t]*(--|[—–―~～])(?![—–―~～-])[ \t]*(?=[0-9])")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=[0-9])[ \t]+(?=[℃‰])")
_SPACE_BETWEEN_SCRIPTS = re.compile(
    rf"(?<={CJK})[ \t]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \t]+(?={CJK})"
)


def is_cjk(char: str) -> bool:
    return bool(char) and CJK_RE.match(char) is not None


def joins_without_space(before: str, after: str) -> bool:
    """Whether a source line break between two texts disappears (CJK on either side)."""
    return bool(before) and bool(after) and (is_cjk(before[-1]) or is_cjk(after[0]))


def _has_cjk(text: str) -> bool:
    return CJK_RE.search(text) is not None


def _near_cjk(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is Chinese context: CJK inside it or right beside it."""
    before = text[:start].rstrip(" \t")[-1:]
    after = text[end:].lstrip(" \t")[:1]
    return _has_cjk(text[start:end]) or is_cjk(before) or is_cjk(after)


def _context_sub(pattern: re.Pattern[str], text: str, replace) -> str:
    return pattern.sub(
        lambda m: replace(m) if _near_cjk(text, m.start(), m.end()) else m.group(0), text
    )


def normalise_text(text: str) -> str:
    """Normalise one run of text; Latin-only text comes out as it went in."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    if not _has_cjk(text) and not re.search("[\uff01-\uff5e]", text):
        return text
    text = autocorrect_py.format(text)
    text = _context_sub(_ELLIPSIS, text, lambda m: "……")
    text = _RANGE.sub(lambda m: m.group(1) + ("～" if m.group(2) in "~～" else "—"), text)
    text = _SPACE_BEFORE_UNIT.sub("", text)
    text = _context_sub(_DASH, text, lambda m: _dash(text, m))
    text = _MARK_AFTER_CJK.sub(lambda m: FULL_WIDTH[m.group(1)], text)
    text = _MARK_BEFORE_CJK.sub(lambda m: FULL_WIDTH[m.group(1)], text)
    text = _context_sub(_PARENS, text, lambda m: f"（{m.group(1)}）")
    text = _context_sub(_DOUBLE_QUOTED, text, lambda m: f"“{m.group(1)}”")
    text = _context_sub(_SINGLE_QUOTED, text, lambda m: f"‘{m.group(1)}’")
    text = _SPACE_BETWEEN_SCRIPTS.sub("", text)
    return text


def _dash(text: str, match: re.Match[str]) -> str:
    """—— for a dash, but a range's single connector (already set) stays."""
    if match.group(0) == "—" and _RANGE.match(text, max(0, match.start() - 2)) is not None:
        return "—"
    if match.group(0) == "—" and _RANGE.match(text, max(0, match.start() - 1)) is not None:
        return "—"
    return "——"


@dataclass(frozen=True)
class Change:
    """One edit normalisation makes, at a 1-based column of a source line."""

    column: int
    old: str
    new: str


def changes(old: str, new: str) -> list[Change]:
    """The edits that turn ``old`` into ``new``, with their columns in ``old``.

    An insertion or a deletion is shown with the characters on either side of
    it, so that no side of a change reads as an empty ``''``.
    """
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:
            before = min(1, i1, j1)
            after = min(1, len(old) - i2, len(new) - j2)
            i1, j1, i2, j2 = i1 - before, j1 - before, i2 + after, j2 + after
        out.append(Change(i1 + 1, old[i1:i2], new[j1:j2]))
    return out
