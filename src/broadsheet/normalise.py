"""Text normalisation applied at build time; the source files stay as written."""

from __future__ import annotations

import re
import unicodedata

# Han ideographs, CJK punctuation and full-width forms: the characters between
# which a line break in the source is not a space.
CJK_CLASS = (
    "\u2e80-\u2eff\u2f00-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019"
)
CJK_RE = re.compile(f"[{CJK_CLASS}]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def is_cjk(char: str) -> bool:
    return bool(char) and CJK_RE.match(char) is not None


def normalise_text(text: str) -> str:
    """Unicode NFC, without zero-width characters that OCR and web copies leave."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def joins_without_space(before: str, after: str) -> bool:
    """Whether a source line break between two texts disappears (CJK on either side)."""
    return bool(before) and bool(after) and (is_cjk(before[-1]) or is_cjk(after[0]))
