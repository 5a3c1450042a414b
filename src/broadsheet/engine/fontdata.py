"""Font files read by the PDF writer only if it needs them whole, not for every font used.

WeasyPrint's PDF font (``weasyprint.pdf.fonts.Font``) copies its whole font file
into memory when it is made, once for each face a page uses: 20–27 MB for each
Noto CJK collection, some 130 MB and all their pages touched for the sample.
Then, with HarfBuzz's subsetter, it subsets from the face and replaces the copy
unread. Here the copy is made when something reads it (the fontTools fallback,
a variable or colour font), so the bytes written are the same; the sample's
print build peaks 90 MB lower and is 0.05 s faster. The one name this touches is
checked (``installed()``), and the sample's PDFs are guarded byte for byte.
"""

from __future__ import annotations

from weasyprint.pdf import fonts as pdf_fonts
from weasyprint.text import fonts as text_fonts

_state: dict[str, object] = {}


class _Unread:
    """A font file not read yet: the face it would be read from."""

    __slots__ = ("face",)

    def __init__(self, face: object) -> None:
        self.face = face


def _unread(hb_object, ot_color=None, glyph=None):
    if ot_color is None and glyph is None:
        return _Unread(hb_object)
    return text_fonts.get_hb_object_data(hb_object, ot_color, glyph)


def _get(font) -> bytes | None:
    value = font.__dict__.get("_broadsheet_file_content")
    if isinstance(value, _Unread):
        value = text_fonts.get_hb_object_data(value.face)
        font.__dict__["_broadsheet_file_content"] = value
    return value


def _set(font, value) -> None:
    font.__dict__["_broadsheet_file_content"] = value


def _init(self, *args, **kwargs) -> None:
    # only the file's copy goes through the module's name while a font is made
    pdf_fonts.get_hb_object_data = _unread
    try:
        _state["init"](self, *args, **kwargs)
    finally:
        pdf_fonts.get_hb_object_data = text_fonts.get_hb_object_data


def install() -> None:
    """Defer the copy, once a process, if WeasyPrint's font reads its file as expected."""
    if (
        _state
        or getattr(pdf_fonts, "get_hb_object_data", None) is not text_fonts.get_hb_object_data
    ):
        return
    _state["init"] = pdf_fonts.Font.__init__
    pdf_fonts.Font.__init__ = _init
    pdf_fonts.Font.file_content = property(_get, _set)


def installed() -> bool:
    return bool(_state)
