"""Archive editions: PDF/A files, thumbnails, a catalog page and a checksummed manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import escape

from broadsheet import __version__
from broadsheet.diagnostics import ContentError, Diagnostic
from broadsheet.jobs.keys import engine_version, font_fingerprint
from broadsheet.jobs.plan import Job, plan
from broadsheet.jobs.runner import JobResult, load_failure_result, run_jobs
from broadsheet.jobs.targets import THUMBNAIL_WIDTH, ArchiveTarget
from broadsheet.output import output_lock, write_atomically

ARCHIVE_VARIANT = "archive"
MANIFEST = "manifest.json"
CATALOG = "index.html"


@dataclass
class ArchiveReport:
    results: list[JobResult] = field(default_factory=list)

    @property
    def archived(self) -> list[str]:
        return [_pdf(r) for r in self.results if r.status == "built"]

    @property
    def unchanged(self) -> list[str]:
        return [_pdf(r) for r in self.results if r.status in ("unchanged", "skipped")]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.errors]


def _pdf(result: JobResult) -> str:
    return result.record["pdf"] if result.record else result.name


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_series(
    series: Path,
    dest: Path,
    replace: bool = False,
    workers: int = 1,
    on_start: Callable[[Job], None] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
) -> ArchiveReport:
    """Build the archive variant of every installment into ``dest``, through the
    job runner: an unchanged installment is not laid out again.

    An edition already archived with other bytes is refused unless ``replace``.
    """
    with output_lock(dest):
        return _archive_series(series, dest, replace, workers, on_start, on_done)


def _archive_series(
    series: Path,
    dest: Path,
    replace: bool,
    workers: int,
    on_start: Callable[[Job], None] | None,
    on_done: Callable[[JobResult], None] | None,
) -> ArchiveReport:
    jobs, failures = plan(series, variants=[ARCHIVE_VARIANT])
    manifest = _read_manifest(dest)
    editions = {e["pdf"]: e for e in manifest.get("editions", []) if isinstance(e, dict)}
    target = ArchiveTarget(dest, replace, editions)
    report = ArchiveReport([load_failure_result(f) for f in failures])
    report.results += run_jobs(jobs, target, workers, on_start=on_start, on_done=on_done)
    for result in report.results:
        if result.record:
            editions[result.record["pdf"]] = result.record
    _write_catalog_and_manifest(dest, sorted(editions.values(), key=lambda e: e["pdf"]))
    return report


def _read_manifest(dest: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


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
            "weasyprint": engine_version(),
            "fonts": {
                f: font_fingerprint(f)
                for f in ("Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai")
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
    except (OSError, ValueError) as exc:
        raise ContentError(Diagnostic(manifest_path, f"no readable manifest: {exc}")) from None
    expected = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(expected, dict):
        raise ContentError(
            Diagnostic(
                manifest_path, "not a broadsheet manifest: no mapping of files", field="files"
            )
        )
    problems = []
    root = dest.resolve()
    for name, record in sorted(expected.items()):
        path = dest / name
        if Path(name).is_absolute() or not path.resolve().is_relative_to(root):
            problems.append(f"refused: {name} lies outside the archive")
            continue
        if not (
            isinstance(record, dict)
            and isinstance(record.get("sha256"), str)
            and isinstance(record.get("size"), int)
        ):
            problems.append(f"malformed entry: {name} (needs sha256 and size)")
            continue
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
