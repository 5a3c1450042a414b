"""Preflight a print PDF the way a print shop's intake does, one finding per line."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from broadsheet.pdf.printing import content_streams

RGB_SPACES = {"/DeviceRGB", "/CalRGB", "/Lab"}


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def preflight(path: Path) -> list[Finding]:
    """PDF/X identification and output intent, embedded fonts, CMYK-only colour,
    consistent page boxes, and a clean ``qpdf --check``."""
    findings: list[Finding] = []
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return [Finding("error", "encrypted: a print PDF must open without a password")]
    except pikepdf.PdfError as exc:
        return [Finding("error", f"not a readable PDF: {exc}")]
    with pdf:
        findings += _identification(pdf)
        findings += _fonts(pdf)
        findings += _colours(pdf)
        findings += _boxes(pdf)
    findings += _qpdf(path)
    return findings


def _identification(pdf: pikepdf.Pdf) -> list[Finding]:
    out = []
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if not intents:
        out.append(Finding("error", "no PDF/X output intent (/OutputIntents with /S /GTS_PDFX)"))
    for intent in intents:
        profile = intent.get("/DestOutputProfile")
        if profile is None or int(profile.get("/N", 0)) != 4:
            out.append(Finding("error", "the output intent's profile is not a CMYK (N 4) profile"))
    meta = pdf.open_metadata()
    version = meta.get("pdfxid:GTS_PDFXVersion") or str(pdf.docinfo.get("/GTS_PDFXVersion", ""))
    if not version:
        out.append(
            Finding("error", "no PDF/X version in the XMP metadata (pdfxid:GTS_PDFXVersion)")
        )
    return out


def _fonts(pdf: pikepdf.Pdf) -> list[Finding]:
    out = []
    for number, page in enumerate(pdf.pages, start=1):
        for name, font in (page.Resources.get("/Font") or {}).items():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            if not embedded:
                out.append(
                    Finding(
                        "error", f"page {number}: font {font.get('/BaseFont', name)} not embedded"
                    )
                )
    return out


def _space_kind(space: pikepdf.Object) -> str:
    if isinstance(space, pikepdf.Name):
        return str(space)
    if isinstance(space, pikepdf.Array) and len(space):
        kind = str(space[0])
        if kind == "/ICCBased":
            components = int(space[1].get("/N", 0))
            return {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}.get(components, kind)
        return kind
    return "?"


def _colours(pdf: pikepdf.Pdf) -> list[Finding]:
    counts: dict[str, int] = {}

    def count(what: str) -> None:
        counts[what] = counts.get(what, 0) + 1

    for owner in content_streams(pdf):
        resources = owner.get("/Resources") or pikepdf.Dictionary()
        spaces = resources.get("/ColorSpace") or {}
        for operands, operator in pikepdf.parse_content_stream(owner):
            name = str(operator)
            if name in ("rg", "RG"):
                counts["DeviceRGB colour operators (rg/RG)"] = (
                    counts.get("DeviceRGB colour operators (rg/RG)", 0) + 1
                )
            elif name in ("cs", "CS") and operands:
                selected = str(operands[0])
                kind = (
                    selected
                    if selected.startswith("/Device")
                    else _space_kind(spaces.get(selected))
                )
                if kind in RGB_SPACES:
                    key = f"{kind[1:]} colour space selected ({selected})"
                    counts[key] = counts.get(key, 0) + 1
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Image":
                kind = _space_kind(xobject.get("/ColorSpace", pikepdf.Name("/DeviceGray")))
                if kind in RGB_SPACES:
                    key = f"{kind[1:]} image"
                    counts[key] = counts.get(key, 0) + 1
    return [
        Finding("error", f"{count} × {what}: print needs CMYK") for what, count in counts.items()
    ]


def _boxes(pdf: pikepdf.Pdf) -> list[Finding]:
    out = []
    for number, page in enumerate(pdf.pages, start=1):
        if "/TrimBox" not in page.obj:
            out.append(Finding("error", f"page {number}: no TrimBox"))
            continue
        media = [float(v) for v in page.MediaBox]
        bleed = [float(v) for v in page.obj.get("/BleedBox", page.MediaBox)]
        trim = [float(v) for v in page.TrimBox]
        if not _inside(trim, bleed) or not _inside(bleed, media):
            out.append(Finding("error", f"page {number}: TrimBox ⊄ BleedBox ⊄ MediaBox"))
    return out


def _inside(inner: list[float], outer: list[float]) -> bool:
    eps = 0.01
    return (
        inner[0] >= outer[0] - eps
        and inner[1] >= outer[1] - eps
        and inner[2] <= outer[2] + eps
        and inner[3] <= outer[3] + eps
    )


def _qpdf(path: Path) -> list[Finding]:
    if shutil.which("qpdf") is None:
        return [Finding("warning", "qpdf not installed: structure not checked")]
    # an inherited descriptor (/dev/fd/N, a file held in memory) stays open for qpdf
    fds = (int(path.name),) if path.parent == Path("/dev/fd") else ()
    result = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, pass_fds=fds
    )
    if result.returncode != 0:
        first = (result.stdout + result.stderr).strip().splitlines()[-1:]
        return [Finding("error", f"qpdf --check: {' '.join(first)}")]
    return []
