"""PDF/A-3 for the archive: sources attached, XMP metadata, the same bytes on every build."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from broadsheet import __version__
from broadsheet.engine import attachment
from broadsheet.pdf.printing import content_document_id, save_deterministic


@dataclass(frozen=True)
class Source:
    """One source file of an edition, named by its path inside the series folder."""

    name: str
    data: bytes


def edition_time(date: dt.date) -> dt.datetime:
    """Every date of an archived PDF: the installment's, never the clock's."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def sources_of(series_folder: Path, files: list[Path]) -> list[Source]:
    """The files an edition is made of, each named relative to its series folder."""
    sources = []
    for path in dict.fromkeys(p.resolve() for p in files):
        try:
            name = path.relative_to(series_folder.resolve()).as_posix()
        except ValueError:
            name = f"external/{path.name}"  # outside the series: kept, but flat
        sources.append(Source(name, path.read_bytes()))
    return sorted(sources, key=lambda s: s.name)


def attachments(sources: list[Source], date: dt.date) -> list:
    """The sources as the engine's attachments, dated by the edition."""
    when = edition_time(date)
    return [
        attachment(source.name, source.data, f"source of this edition: {source.name}", when)
        for source in sources
    ]


def finish_archive(data: bytes, fields: dict[str, str], date: dt.date) -> bytes:
    """Add the edition's XMP fields and give the file an identity made of its content."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        content_document_id(pdf)
        if "/AF" in pdf.Root:
            # WeasyPrint lists each associated file twice; once is the rule
            unique = {spec.objgen: spec for spec in pdf.Root.AF}
            pdf.Root.AF = pikepdf.Array(list(unique.values()))
        # Standard XMP properties only: PDF/A would need an extension schema
        # declared in the file for any property of our own.
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:language"] = [fields["language"]]
            meta["dc:date"] = [date.isoformat()]
            if fields.get("publisher"):
                meta["dc:publisher"] = [fields["publisher"]]
            meta["dc:description"] = f"{fields['series']} {fields['label']}"
            meta["dc:identifier"] = fields["identifier"]
            meta["xmp:CreatorTool"] = fields["generator"]
            meta["xmp:MetadataDate"] = edition_time(date).isoformat()
        return save_deterministic(pdf)


def metadata_fields(built) -> dict[str, str]:
    edition = built.edition
    return {
        "language": edition.series.language,
        "publisher": edition.series.publisher or "",
        "series": edition.series.title,
        "identifier": f"{edition.series.id}/{edition.slug}",
        "label": edition.label,
        "generator": f"broadsheet {__version__}",
    }


def extract_sources(pdf_path: Path, target: Path) -> list[Path]:
    """Write the sources attached to an archived PDF into ``target``."""
    written = []
    try:
        pdf = pikepdf.open(pdf_path)
    except pikepdf.PasswordError:
        raise ValueError("encrypted: cannot read its attachments without a password") from None
    except pikepdf.PdfError as exc:
        raise ValueError(f"not a readable PDF: {exc}") from None
    with pdf:
        for name, spec in sorted(pdf.attachments.items()):
            path = (target / name).resolve()
            if not path.is_relative_to(target.resolve()):
                raise ValueError(f"attachment name leaves the folder: {name}")
            try:
                data = spec.get_file().read_bytes()
            except (pikepdf.PdfError, AttributeError, KeyError) as exc:
                raise ValueError(f"attachment {name} has no readable file: {exc}") from None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    return written
