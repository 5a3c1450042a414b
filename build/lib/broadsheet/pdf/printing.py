"""Finish a PDF/X file for press: crop marks in black ink, no stray colour spaces."""

from __future__ import annotations

import hashlib
import io

import pikepdf

RGB_OPERATORS = {"rg": "k", "RG": "K"}


def content_streams(pdf: pikepdf.Pdf):
    """Every content stream: pages and the form XObjects they draw (crop marks are one)."""
    seen: set[tuple[int, int]] = set()

    def forms(resources: pikepdf.Object):
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield xobject
                yield from forms(xobject.get("/Resources") or pikepdf.Dictionary())

    for page in pdf.pages:
        yield page
        yield from forms(page.Resources)


def black_marks_in_k(stream_owner: pikepdf.Object, pdf: pikepdf.Pdf) -> int:
    """Rewrite grey DeviceRGB colours (WeasyPrint draws crop marks in 0 0 0 rg) as
    K-only CMYK; any other RGB colour is left for preflight to report."""
    instructions = pikepdf.parse_content_stream(stream_owner)
    changed = 0
    out = []
    for operands, operator in instructions:
        name = str(operator)
        if name in RGB_OPERATORS and len(operands) == 3:
            values = [float(v) for v in operands]
            if max(values) - min(values) < 1e-6:
                grey = values[0]
                operands = [0, 0, 0, round(1 - grey, 6)]
                operator = pikepdf.Operator(RGB_OPERATORS[name])
                changed += 1
        out.append(pikepdf.ContentStreamInstruction(operands, operator))
    if changed:
        data = pikepdf.unparse_content_stream(out)
        if isinstance(stream_owner, pikepdf.Page):
            stream_owner.Contents = pdf.make_stream(data)
        else:
            stream_owner.write(data)
    return changed


def finish_for_print(data: bytes) -> bytes:
    """Crop marks in K, unused Lab colour spaces dropped, an XMP document ID made of the
    content (WeasyPrint draws a random one): the same bytes for the same input."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for owner in list(content_streams(pdf)):
            black_marks_in_k(owner, pdf)
        used = _names_used(pdf)
        for page in pdf.pages:
            spaces = page.Resources.get("/ColorSpace")
            if spaces is None:
                continue
            for name in list(spaces.keys()):
                kind = spaces[name]
                if isinstance(kind, pikepdf.Array) and str(kind[0]) == "/Lab" and name not in used:
                    del spaces[name]
        content_document_id(pdf)
        return save_deterministic(pdf)


def _names_used(pdf: pikepdf.Pdf) -> set[str]:
    """Colour space names any content stream selects with cs/CS."""
    names: set[str] = set()
    for owner in content_streams(pdf):
        for operands, operator in pikepdf.parse_content_stream(owner):
            if str(operator) in ("cs", "CS") and operands:
                names.add(str(operands[0]))
    return names


def content_document_id(pdf: pikepdf.Pdf) -> None:
    """Replace a random XMP DocumentID by one made of the pages' content."""
    digest = hashlib.sha256()
    for page in pdf.pages:
        contents = page.Contents
        for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
            digest.update(stream.read_bytes())
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        if "xmpMM:DocumentID" in meta:
            meta["xmpMM:DocumentID"] = f"xmp.did:{digest.hexdigest()[:32]}"


def save_deterministic(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()
