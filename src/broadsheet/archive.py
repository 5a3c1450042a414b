"""Archive editions: PDF/A files, thumbnails, a catalog page and a checksummed manifest."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

from broadsheet import __version__
from broadsheet.diagnostics import BroadsheetError, ContentError, Diagnostic, display_path
from broadsheet.jobs.runner import font_file, plan
from broadsheet.output import write_atomically
from broadsheet.pipeline import render_html, typeset_edition

ARCHIVE_VARIANT = "archive"
MANIFEST = "manifest.json"
CATALOG = "index.html"
THUMBNAIL_WIDTH = 360


@dataclass
class ArchiveReport:
    archived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_series(series: Path, dest: Path, replace: bool = False) -> ArchiveReport:
    """Build the archive variant of every installment into ``dest``.

    An edition already archived with other bytes is refused unless ``replace``.
    """
    report = ArchiveReport()
    jobs, failures = plan(series, variants=[ARCHIVE_VARIANT])
    for failure in failures:
        report.errors += failure.errors
    manifest = _read_manifest(dest)
    editions = {e["pdf"]: e for e in manifest.get("editions", [])}
    for job in jobs:
        relative = f"{job.series_id}/{job.slug}.pdf"
        try:
            built = typeset_edition(render_html(job.installment, ARCHIVE_VARIANT))
        except BroadsheetError as exc:
            report.errors += [str(d) for d in exc.diagnostics]
            continue
        target = dest / relative
        if target.exists():
            if sha256(target.read_bytes()) == sha256(built.pdf):
                report.unchanged.append(relative)
            elif not replace:
                report.errors.append(
                    f"{display_path(target)}: archived already with other bytes "
                    "(--replace to overwrite)"
                )
                continue
        thumbnail = _thumbnail(built.pdf)
        write_atomically({target: built.pdf, target.with_suffix(".png"): thumbnail})
        if relative not in report.unchanged:
            report.archived.append(relative)
        item = built.edition.installment
        editions[relative] = {
            "pdf": relative,
            "thumbnail": f"{job.series_id}/{job.slug}.png",
            "series": built.edition.series.id,
            "series_title": built.edition.series.title,
            "number": item.number,
            "label": built.edition.label,
            "date": item.date.isoformat(),
            "headline": item.headline,
            "pages": built.pages,
        }
    _write_catalog_and_manifest(dest, sorted(editions.values(), key=lambda e: e["pdf"]))
    return report


def _thumbnail(pdf: bytes) -> bytes:
    import io

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


def _read_manifest(dest: Path) -> dict:
    try:
        return json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_catalog_and_manifest(dest: Path, editions: list[dict]) -> None:
    rows = "\n".join(
        f'<tr><td><a href="{escape(e["pdf"])}"><img src="{escape(e["thumbnail"])}" '
        f'alt="" width="{THUMBNAIL_WIDTH // 2}"></a></td>'
        f"<td>{escape(e['series_title'])}<br>{escape(e['label'])}</td>"
        f"<td>{escape(e['date'])}</td>"
        f'<td><a href="{escape(e["pdf"])}">{escape(e["headline"])}</a></td>'
        f"<td>{e['pages']}</td></tr>"
        for e in editions
    )
    catalog = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>归档目录</title>
<style>body{{font-family:sans-serif}} td{{padding:4px 12px;vertical-align:top}}</style>
</head><body><h1>归档目录</h1>
<table><tr><th>第一版</th><th>系列</th><th>日期</th><th>标题</th><th>页数</th></tr>
{rows}
</table></body></html>
"""
    write_atomically({dest / CATALOG: catalog.encode("utf-8")})
    files = {
        p.relative_to(dest).as_posix(): {"sha256": sha256(p.read_bytes()), "size": p.stat().st_size}
        for p in sorted(dest.rglob("*"))
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }
    manifest = {
        "generator": {
            "broadsheet": __version__,
            "weasyprint": importlib.metadata.version("weasyprint"),
            "fonts": {
                f: font_file(f) for f in ("Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai")
            },
        },
        "editions": editions,
        "files": files,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    write_atomically({dest / MANIFEST: text.encode("utf-8")})


def verify_archive(dest: Path) -> list[str]:
    """Every file against the manifest: missing, changed and unexpected files."""
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ContentError(Diagnostic(manifest_path, f"no readable manifest: {exc}")) from None
    problems = []
    for name, record in sorted(expected.items()):
        path = dest / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif sha256(path.read_bytes()) != record["sha256"] or path.stat().st_size != record["size"]:
            problems.append(f"changed: {name}")
    present = {
        p.relative_to(dest).as_posix()
        for p in dest.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }
    problems += [f"unexpected: {name}" for name in sorted(present - set(expected))]
    return problems
