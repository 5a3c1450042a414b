"""The engine stage: everything that touches WeasyPrint, behind a small interface.

``lay_out(html, …)`` gives a ``LaidOut`` document: ``check_fit``,
``image_resolutions``, ``write_pdf``. ``versions()`` and
``harfbuzz_subset_available()`` report the engine for `doctor`. The modules
below (the line-layout seam in ``lines``, page inspection in ``inspect``, the
stylesheet a message is about in ``messages``) are the only ones in broadsheet
that import WeasyPrint's internals; they are imported on first use, so
commands that build nothing never load WeasyPrint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from broadsheet.engine import libraries

# Before anything loads WeasyPrint: its libraries are found from one cached
# `ldconfig -p` listing rather than some 60 processes (0.16 s) a start, and
# fontTools' subsetter, its fallback, is not loaded unless used (0.07 s).
libraries.install()
libraries.defer_unused_modules()

if TYPE_CHECKING:
    from pathlib import Path

    from broadsheet.compose.measures import Measures
    from broadsheet.diagnostics import Diagnostic
    from broadsheet.engine.typeset import Attachment, LaidOut


def lay_out(
    html: str, base_url: Path, roots: list[Path], blame: Path, warnings: list[Diagnostic]
) -> LaidOut:
    from broadsheet.engine.typeset import lay_out as _lay_out

    return _lay_out(html, base_url, roots, blame, warnings)


def measure_page(html: str, base_url: Path, roots: list[Path], blame: Path) -> Measures:
    """Lay out a page rendered ``measuring`` and read what the composer needs."""
    from broadsheet.engine.typeset import measure as _measure

    return _measure(html, base_url, roots, blame)


def attachment(name: str, data: bytes, description: str, when: Any) -> Attachment:
    from broadsheet.engine.typeset import Attachment

    return Attachment(name, data, description, when)


def versions() -> dict[str, str]:
    """WeasyPrint's and Pango's versions."""
    import weasyprint
    from weasyprint.text.ffi import pango

    number = pango.pango_version()
    return {
        "weasyprint": weasyprint.__version__,
        "pango": f"{number // 10000}.{number // 100 % 100}.{number % 100}",
        "pango_number": str(number),
    }


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found HarfBuzz's subsetter (it falls back to fontTools)."""
    from weasyprint.text import ffi

    return getattr(ffi, "harfbuzz_subset", None) is not None
