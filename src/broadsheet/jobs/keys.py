"""Build keys: a hash of everything that shapes one output, so unchanged outputs are skipped."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from broadsheet import __version__
from broadsheet.jobs.uptodate import engine_version, font_fingerprint
from broadsheet.pipeline import BuiltEdition, portable_html


def build_key(built: BuiltEdition) -> str:
    """A hash of everything that shapes one output: the rendered HTML (content,
    settings and templates), every file of the layout, the images, the fonts,
    and the versions of broadsheet and WeasyPrint. A layout that extends
    another is made of both: editing the parent makes the child's outputs again."""
    digest = hashlib.sha256()
    digest.update(f"broadsheet {__version__}\0weasyprint {engine_version()}\0".encode())
    digest.update(json.dumps(built.settings.values, sort_keys=True, default=str).encode())
    # Where the project lies is no input: a moved or copied project stays up to date.
    digest.update(portable_html(built).encode())
    for path in _layout_inputs(built):
        digest.update(built.layout.file_label(path).encode() + b"\0")
        digest.update(path.read_bytes())
    for path in sorted(set(built.images)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for family in built.layout.config.fonts:
        digest.update(font_fingerprint(family).encode())
    return digest.hexdigest()


def job_key(built: BuiltEdition) -> str:
    """The key an output is recorded under: a draft (overset marked, written
    anyway) is never the up-to-date page of a build that is not one."""
    return build_key(built) + ("-draft" if built.draft else "")


def _layout_inputs(built: BuiltEdition) -> list[Path]:
    """The files of the layout and of every layout it extends that shape this
    output: all of them but the stylesheets another variant adds, or that a
    child's file of the same name replaces (unless a used stylesheet @imports:
    then all)."""
    files = [
        path
        for folder in built.layout.folders
        for path in sorted(p for p in folder.rglob("*") if p.is_file())
    ]
    used = {p.resolve() for p in built.layout.stylesheet_paths(built.settings.stylesheets)}
    if any("@import" in p.read_text(encoding="utf-8", errors="replace") for p in used):
        return files
    return [p for p in files if p.suffix.lower() != ".css" or p.resolve() in used]


def job_inputs(built: BuiltEdition) -> list[Path]:
    """The files and folders an output is made of, for the next build's stat
    check: the installment, the series file, the images, every file and folder
    of the layout and of the layouts it extends, and the folders from the
    installment's up to the project's (a ``layouts/`` made in one of them
    would change the project)."""
    found = [built.edition.installment_path, built.edition.series_path, *built.images]
    for layout in built.layout.folders:
        found += [layout, *layout.rglob("*")]
    start = built.edition.installment_path.resolve().parent
    root = built.project.root.resolve()
    for folder in (start, *start.parents):
        found.append(folder)
        if folder == root:
            break
    found.append(root / "layouts")
    return found


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
