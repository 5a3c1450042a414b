"""PDF flavours: what each ``pdf_variant`` setting makes of the engine's PDF.

``VARIANTS`` is the one table (in the manner of WeasyPrint's ``pdf/__init__.py``):
a print flavour (PDF/X) converts images to CMYK, warns of low-resolution images,
finishes the file for press and preflights it; an archive flavour (PDF/A) adds
the edition's metadata and keeps its attached sources. The modules behind it
import pikepdf and WeasyPrint, so they are imported only when a PDF is made.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from broadsheet.diagnostics import Diagnostic, PrintError, warning

# The press profile print images are converted to. Layouts declare the same file
# as their PDF/X output intent (layouts/newspaper/cmyk.css; a test keeps the two
# equal); their colours' CMYK values are inks against it (layout.yaml colours:).
# Ghostscript's free SWOP profile, Debian libgs-common.
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
MIN_PRINT_PPI = 240

Purpose = Literal["print", "archive"]


@dataclass(frozen=True)
class PdfFlavour:
    name: str
    purpose: Purpose
    cmyk_images: bool  # images converted to CMYK through CMYK_PROFILE
    inline_images: bool  # images carried as their own bytes, wherever the project lies
    min_image_ppi: int | None  # images set under this resolution are warnings
    preflight: bool  # a preflight error fails the build
    # the layout's colours in their CMYK values (layout.yaml colours:), else RGB
    cmyk_colours: bool = False


def _print(name: str) -> PdfFlavour:
    return PdfFlavour(name, "print", True, True, MIN_PRINT_PPI, preflight=True, cmyk_colours=True)


def _archive(name: str) -> PdfFlavour:
    return PdfFlavour(name, "archive", False, True, None, preflight=False)


VARIANTS: dict[str, PdfFlavour] = {
    "pdf/x-4": _print("pdf/x-4"),
    "pdf/x-1a": _print("pdf/x-1a"),
    "pdf/a-3b": _archive("pdf/a-3b"),
    "pdf/a-3u": _archive("pdf/a-3u"),
}


def flavour(name: str | None) -> PdfFlavour | None:
    return None if name is None else VARIANTS[name]


@dataclass(frozen=True)
class EditionFacts:
    """What finishing needs to know of the edition (no dependency on the pipeline)."""

    name: str  # series/NN/variant.pdf, for messages
    source: Path  # the installment file, blamed for preflight errors
    date: dt.date
    metadata: dict[str, str]


def finish(kind: PdfFlavour, data: bytes, facts: EditionFacts) -> tuple[bytes, list[Diagnostic]]:
    """The finished PDF and the warnings finishing found; raises PrintError when a
    print file fails preflight."""
    if kind.purpose == "print":
        from broadsheet.pdf.printing import finish_for_print

        data = finish_for_print(data)
        return data, _preflight(data, facts) if kind.preflight else []
    from broadsheet.pdf.archival import finish_archive

    return finish_archive(data, facts.metadata, facts.date), []


def _preflight(data: bytes, facts: EditionFacts) -> list[Diagnostic]:
    """Preflight the print PDF as a print shop would: errors fail the build."""
    from broadsheet.pdf.preflight import preflight

    with _as_file(data) as path:
        findings = preflight(path)
    errors = [
        Diagnostic(facts.source, f"preflight {facts.name}: {f.message}")
        for f in findings
        if f.level == "error"
    ]
    if errors:
        raise PrintError(errors)
    return [warning(facts.source, f"preflight {facts.name}: {f.message}") for f in findings]


@contextlib.contextmanager
def _as_file(data: bytes) -> Iterator[Path]:
    """The bytes as a file path for qpdf. In memory where Linux allows
    (memfd): a process killed meanwhile leaves no temporary file behind."""
    if not hasattr(os, "memfd_create"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(data)
            handle.flush()
            yield Path(handle.name)
        return
    fd = os.memfd_create("broadsheet-preflight.pdf", os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:  # a write may take only part (a file-size limit, a signal)
            written = os.write(fd, view)
            if written == 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "(preflight copy)")
            view = view[written:]
        os.set_inheritable(fd, True)
        # /dev/fd/N opens the same memory file in this process and in qpdf
        yield Path(f"/dev/fd/{fd}")
    finally:
        os.close(fd)
