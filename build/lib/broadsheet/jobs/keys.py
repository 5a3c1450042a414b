"""Build keys: a hash of everything that shapes one output, so unchanged outputs are skipped."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

from broadsheet import __version__
from broadsheet.pipeline import BuiltEdition, portable_html


@cache
def font_fingerprint(family: str) -> str:
    """The font file fontconfig picks for a family, with its size and mtime: a
    font update changes the key, so the output is made again."""
    if shutil.which("fc-match") is None:
        return family
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=False
    ).stdout
    try:
        stat = Path(found).stat()
    except OSError:
        return f"{family}:{found}"
    return f"{family}:{found}:{stat.st_size}:{stat.st_mtime_ns}"


def engine_version() -> str:
    return importlib.metadata.version("weasyprint")


def build_key(built: BuiltEdition) -> str:
    """A hash of everything that shapes one output: the rendered HTML (content,
    settings and templates), every file of the layout, the images, the fonts,
    and the versions of broadsheet and WeasyPrint."""
    digest = hashlib.sha256()
    digest.update(f"broadsheet {__version__}\0weasyprint {engine_version()}\0".encode())
    digest.update(json.dumps(built.settings.values, sort_keys=True, default=str).encode())
    # Where the project lies is no input: a moved or copied project stays up to date.
    digest.update(portable_html(built).encode())
    for path in _layout_inputs(built):
        digest.update(str(path.relative_to(built.layout.folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    for path in sorted(set(built.images)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for family in built.layout.config.fonts:
        digest.update(font_fingerprint(family).encode())
    return digest.hexdigest()


def _layout_inputs(built: BuiltEdition) -> list[Path]:
    """The layout's files that shape this output: all of them but the stylesheets
    another variant adds (unless a used stylesheet @imports: then all)."""
    files = sorted(p for p in built.layout.folder.rglob("*") if p.is_file())
    used = {p.resolve() for p in built.layout.stylesheet_paths(built.settings.stylesheets)}
    if any("@import" in p.read_text(encoding="utf-8", errors="replace") for p in used):
        return files
    return [p for p in files if p.suffix.lower() != ".css" or p.resolve() in used]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
