"""Where a job's outputs go and how they are known to be up to date.

``EditionTarget`` writes ``OUTDIR/<series>/<NN>/<variant>.{html,pdf}`` with a
record of the build key beside them; ``ArchiveTarget`` writes
``DIR/<series>/<NN>.{pdf,png}`` and keeps the key in the archive's manifest.
Both are small and picklable: the worker process that builds a job also commits
it (on a Dask cluster this process commits what workers return: jobs/cluster.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.diagnostics import ContentError, Diagnostic
from broadsheet.jobs.keys import sha256_file
from broadsheet.jobs.plan import Job
from broadsheet.output import write_atomically
from broadsheet.pipeline import BuiltEdition, output_paths

RECORD_SUFFIX = ".build.json"
THUMBNAIL_WIDTH = 360


@dataclass(frozen=True)
class Committed:
    """What a target wrote for a job."""

    written: list[Path]
    size: int
    status: str = "built"  # or "unchanged": rebuilt, and the same bytes were there
    record: dict[str, Any] | None = None


@dataclass(frozen=True)
class Known:
    """An output found up to date on disk."""

    pages: int
    size: int
    record: dict[str, Any] | None = None
    # the warnings the build that made it gave: an up-to-date output still has them
    warnings: list[Diagnostic] = field(default_factory=list)


def _warning(found: dict[str, Any]) -> Diagnostic:
    return Diagnostic.from_json({**found, "level": "warning"})


@dataclass(frozen=True)
class EditionTarget:
    outdir: Path

    def outputs(self, job: Job) -> tuple[Path, Path]:
        return output_paths(self.outdir, job.series_id, job.slug, job.variant)

    def record_path(self, job: Job) -> Path:
        html, _ = self.outputs(job)
        return html.parent / f".{job.variant}{RECORD_SUFFIX}"

    def up_to_date(self, job: Job, key: str) -> Known | None:
        """The outputs on disk if this key made them. Anything missing, changed
        or unreadable means no: a rebuild, never a wrong output."""
        try:
            record = json.loads(self.record_path(job).read_text(encoding="utf-8"))
            if record.get("key") != key:
                return None
            outputs = record["outputs"]
            paths = self.outputs(job)
            # the HTML, the PDF and the assets the HTML uses, as that build wrote them
            if not all(path.name in outputs for path in paths) or not all(
                sha256_file(paths[0].parent / name) == digest for name, digest in outputs.items()
            ):
                return None
            warnings = [_warning(w) for w in record.get("warnings", [])]
            return Known(int(record["pages"]), paths[1].stat().st_size, warnings=warnings)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def output_files(self, job: Job) -> list[Path]:
        """Every file a build of ``job`` wrote, its record included, as the record lists them."""
        record = json.loads(self.record_path(job).read_text(encoding="utf-8"))
        folder = self.outputs(job)[0].parent
        return [self.record_path(job), *(folder / name for name in record["outputs"])]

    def previous_seconds(self, job: Job) -> float | None:
        """How long the last build of this output took, if one is recorded."""
        try:
            record = json.loads(self.record_path(job).read_text(encoding="utf-8"))
            return float(record["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def commit(self, job: Job, built: BuiltEdition, key: str) -> Committed:
        html_path, pdf_path = self.outputs(job)
        # the HTML as written: its CSS, fonts and images copied beside it
        # (imported here: a rebuild with nothing to write never needs it)
        from broadsheet.page.portable import output_html

        text, assets = output_html(built, html_path)
        html = text.encode("utf-8")
        record: dict[str, Any] = {
            "key": key,
            "pages": built.pages,
            # the next full rebuild starts the longest jobs first
            "seconds": round(sum(built.timings.stages.values()), 3),
            "outputs": {
                html_path.name: hashlib.sha256(html).hexdigest(),
                pdf_path.name: hashlib.sha256(built.pdf).hexdigest(),
                # other variants share the assets: one changed means a rebuild
                **{
                    path.relative_to(html_path.parent).as_posix(): hashlib.sha256(data).hexdigest()
                    for path, data in assets.items()
                },
            },
        }
        if built.warnings:
            record["warnings"] = [w.as_json() for w in built.warnings]
        # an asset the folder holds already, byte for byte (another variant's,
        # an earlier build's), is not written again: most of a commit's files
        unchanged = {path for path, data in assets.items() if _holds(path, data)}
        write_atomically(
            {
                html_path: html,
                pdf_path: built.pdf,
                self.record_path(job): json.dumps(record, indent=1).encode(),
                **{path: data for path, data in assets.items() if path not in unchanged},
            },
            inside=self.outdir,
        )
        return Committed([html_path, pdf_path], len(built.pdf))


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a symlink) with exactly ``data``."""
    try:
        info = path.lstat()
        return (
            stat.S_ISREG(info.st_mode) and info.st_size == len(data) and path.read_bytes() == data
        )
    except OSError:
        return False


@dataclass(frozen=True)
class ArchiveTarget:
    """Archived editions; ``editions`` is the manifest's record of them, by PDF path."""

    dest: Path
    replace: bool
    editions: dict[str, dict[str, Any]]

    def relative(self, job: Job) -> str:
        return f"{job.series_id}/{job.slug}.pdf"

    def up_to_date(self, job: Job, key: str) -> Known | None:
        relative = self.relative(job)
        edition = self.editions.get(relative)
        try:
            if edition is None or edition.get("key") != key:
                return None
            pdf = self.dest / relative
            if sha256_file(pdf) != edition["sha256"]:
                return None
            if not (self.dest / edition["thumbnail"]).is_file():
                return None
            return Known(int(edition["pages"]), pdf.stat().st_size, edition)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def previous_seconds(self, job: Job) -> float | None:
        # the manifest is the archive's record, kept free of timings: its bytes
        # are the same for the same editions
        return None

    def commit(
        self, job: Job, built: BuiltEdition, key: str, thumbnail: bytes | None = None
    ) -> Committed:
        """Write the edition's PDF and thumbnail; ``thumbnail``: made already
        (by the cluster worker that made the PDF)."""
        relative = self.relative(job)
        target = self.dest / relative
        status = "built"
        if target.exists():
            if sha256_file(target) == hashlib.sha256(built.pdf).hexdigest():
                status = "unchanged"
            elif not self.replace:
                raise ContentError(
                    Diagnostic(target, "archived already with other bytes (--replace to overwrite)")
                )
        png = thumbnail if thumbnail is not None else thumbnail_png(built.pdf)
        thumbnail_path = target.with_suffix(".png")
        write_atomically({target: built.pdf, thumbnail_path: png}, inside=self.dest)
        item = built.edition.installment
        record = {
            "pdf": relative,
            "thumbnail": f"{job.series_id}/{job.slug}.png",
            "series": built.edition.series.id,
            "series_title": built.edition.series.title,
            "number": item.number,
            "label": built.edition.label,
            "date": item.date.isoformat(),
            "headline": item.headline,
            "pages": built.pages,
            "key": key,
            "sha256": hashlib.sha256(built.pdf).hexdigest(),
        }
        return Committed([target, thumbnail_path], len(built.pdf), status, record)


def thumbnail_png(pdf: bytes) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=THUMBNAIL_WIDTH / page.get_width()).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
