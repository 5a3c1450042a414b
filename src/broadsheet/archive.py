"""Archive editions: PDF/A files, thumbnails, a catalog and a hashed, optionally signed manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from markupsafe import escape

from broadsheet import __version__
from broadsheet.archive_manifest import (
    HASH_FIELD,
    MANIFEST,
    RESERVED,
    SIGNATURE,
    Contents,
    Problem,
    hash_problems,
    member_problem,
    read_manifest,
    read_member,
    section_hashes,
    sha256_of,
    structure_problems,
    walk_archive,
)
from broadsheet.archive_signing import MAX_SIGNATURE_BYTES, sign, signature_problem
from broadsheet.diagnostics import ContentError, Diagnostic
from broadsheet.jobs.keys import engine_version, font_fingerprint
from broadsheet.jobs.plan import Job, plan
from broadsheet.jobs.runner import JobResult, load_failure_result, run_jobs
from broadsheet.jobs.targets import THUMBNAIL_WIDTH, ArchiveTarget
from broadsheet.output import output_lock, write_atomically

ARCHIVE_VARIANT = "archive"
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


def archive_series(
    series: Path,
    dest: Path,
    replace: bool = False,
    workers: int = 1,
    on_start: Callable[[Job], None] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
    signing_key: Ed25519PrivateKey | None = None,
    scheduler: str | None = None,
) -> ArchiveReport:
    """Build the archive variant of every installment into ``dest``, through the
    job runner: an unchanged installment is not laid out again.

    An edition already archived with other bytes is refused unless ``replace``.
    An archive whose manifest is malformed or edited, whose files listed there
    changed, or whose signature fails, is not extended: a new manifest (and a
    new signature) would vouch for what nobody checked. ``signing_key`` signs
    the manifest; a signed archive is only extended with a key. ``scheduler``:
    the editions are built on that Dask cluster (jobs/cluster.py).
    """
    with output_lock(dest):
        return _archive_series(
            series, dest, replace, workers, on_start, on_done, signing_key, scheduler
        )


def _archive_series(
    series: Path,
    dest: Path,
    replace: bool,
    workers: int,
    on_start: Callable[[Job], None] | None,
    on_done: Callable[[JobResult], None] | None,
    signing_key: Ed25519PrivateKey | None,
    scheduler: str | None = None,
) -> ArchiveReport:
    old = _old_manifest(dest, signing_key)
    if dest.exists():
        # a symlink or stray folder would fail verify at once: say so before building
        _refuse(dest, walk_archive(dest).problems)
    jobs, failures = plan(series, variants=[ARCHIVE_VARIANT])
    editions = {e["pdf"]: e for e in old.get("editions", [])}
    target = ArchiveTarget(dest, replace, editions)
    report = ArchiveReport([load_failure_result(f) for f in failures])
    report.results += run_jobs(
        jobs, target, workers, on_start=on_start, on_done=on_done, scheduler=scheduler
    )
    written = {p.relative_to(dest).as_posix() for r in report.results for p in r.written}
    for result in report.results:
        if result.record:
            editions[result.record["pdf"]] = result.record
    _write_catalog_and_manifest(
        dest,
        sorted(editions.values(), key=lambda e: e["pdf"]),
        old.get("files", {}),
        written,
        signing_key,
    )
    return report


def _refuse(dest: Path, problems: Iterable[Problem], why: str = "") -> None:
    diagnostics = [Diagnostic(dest, f"{p}{why}") for p in problems]
    if diagnostics:
        raise ContentError(diagnostics)


def _old_manifest(dest: Path, signing_key: Ed25519PrivateKey | None) -> dict[str, Any]:
    """The manifest already in ``dest`` (empty for a new archive), checked before
    the build trusts its editions and before a new manifest replaces it."""
    signature = dest / SIGNATURE
    signed = signature.exists() or signature.is_symlink()
    if signed and signing_key is None:
        message = (
            f"{SIGNATURE}: the archive is signed; --key KEY.pem signs its new manifest "
            "(or remove the signature file to leave the archive unsigned)"
        )
        raise ContentError(Diagnostic(dest, message))
    if not (dest / MANIFEST).exists() and not (dest / MANIFEST).is_symlink():
        return {}
    data, manifest = read_manifest(dest)
    hint = "; the archive is not extended over it (broadsheet archive verify DIR says more)"
    _refuse(dest, structure_problems(manifest), hint)
    # a manifest from before the hashes existed has none: the next one will
    _refuse(dest, hash_problems(manifest, required=False), hint)
    if signed and signing_key is not None:
        try:
            found = read_member(signature, MAX_SIGNATURE_BYTES)
            why = signature_problem(signing_key.public_key(), data, found)
        except (OSError, ValueError) as exc:
            why = f"unreadable: {exc}"
        if why is not None:
            raise ContentError(Diagnostic(dest, f"{SIGNATURE}: {why}; not signed over"))
    return manifest


def _write_catalog_and_manifest(
    dest: Path,
    editions: list[dict[str, Any]],
    old_files: dict[str, Any],
    written: set[str],
    signing_key: Ed25519PrivateKey | None,
) -> None:
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
    data = catalog.encode("utf-8")
    # nothing is written until the archive checks out: a refused run leaves it as it was
    contents = walk_archive(dest) if dest.exists() else Contents()
    _refuse(dest, contents.problems)
    files = {CATALOG: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    _refuse(
        dest,
        [
            Problem("unlistable", n, f"{why}; remove it")
            for n in contents.files
            if (why := member_problem(n))
        ],
    )
    changed: list[Problem] = []
    for name, path in sorted(contents.files.items()):
        if name in RESERVED or name == CATALOG:
            continue
        files[name] = {"sha256": sha256_of(path), "size": contents.sizes[name]}
        # what this run did not write must be as the old manifest lists it
        before = old_files.get(name)
        if before is not None and name not in written and before != files[name]:
            changed.append(Problem("changed", name, "since the last archive run"))
    changed += [
        Problem("missing", name, "since the last archive run")
        for name in old_files
        if name not in files and name not in written
    ]
    # a new manifest would vouch for the change; an edition's PDF or thumbnail
    # that is deleted is simply built again, so that is the way out for those
    _refuse(dest, changed, "; restore it (or delete an edition's PDF or thumbnail to rebuild it)")
    manifest: dict[str, Any] = {
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
    manifest[HASH_FIELD] = section_hashes(manifest)
    text = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    outputs = {dest / CATALOG: data, dest / MANIFEST: text}
    if signing_key is not None:
        outputs[dest / SIGNATURE] = sign(signing_key, text)
    write_atomically(outputs, inside=dest)
