"""A rebuild with nothing changed, answered from file stats before anything is loaded.

A build whose every job succeeded leaves a plan record in the output folder,
keyed by its command line: each input's size and modification time (content,
series file, every file and folder of the layout, images, the folders a
project is found by), each output's, the fonts fontconfig picks and the
versions. The next ``build`` with the same command line reads it first: if
every stat is the same, every output is up to date, as the full check would
find (it hashes what these stats stand for), and the command answers without
importing the content schema, the templates or the engine: 0.1 s instead of
0.45 s. Anything different, missing or unreadable means the full check runs;
so does ``--force`` or ``--draft``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from broadsheet import __version__
from broadsheet.diagnostics import Diagnostic
from broadsheet.jobs.results import JobResult

PREFIX = ".broadsheet-plan-"
SUFFIX = ".json"
JOURNAL = (".commit.", ".json")  # output.py's journal of an interrupted commit


@cache
def font_fingerprint(family: str) -> str:
    """The font file fontconfig picks for a family, with its size and mtime: a
    font update changes the key, so the output is made again."""
    found = _font_file(family)
    if found is None:
        return family
    try:
        info = Path(found).stat()
    except OSError:
        return f"{family}:{found}"
    return f"{family}:{found}:{info.st_size}:{info.st_mtime_ns}"


@cache
def _font_file(family: str) -> str | None:
    """The file fontconfig picks for a family, asked once a process: a job's
    key asked fc-match for each of its fonts, three processes started a job
    (its file's size and date are read every time)."""
    if shutil.which("fc-match") is None:
        return None
    return subprocess.run(
        ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=False
    ).stdout


@cache
def engine_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("weasyprint")


def plan_record(outdir: Path, path: Path, numbers, variants) -> Path:
    """Where the plan record of this command line lies."""
    asked = [str(path.resolve()), sorted(numbers) if numbers is not None else None, variants]
    key = hashlib.sha256(json.dumps(asked).encode()).hexdigest()[:24]
    return outdir / f"{PREFIX}{key}{SUFFIX}"


def _stat(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def stats(paths: Iterable[Path]) -> dict[str, list[int] | None]:
    return {str(p): _stat(p) for p in sorted(set(paths))}


def unchanged_results(
    outdir: Path, path: Path, numbers: set[int] | None, variants: list[str] | None
) -> list[JobResult] | None:
    """The results of a build in which every job is up to date, or None when the
    full check must run (or is the only one that can tell)."""
    try:
        record = json.loads(plan_record(outdir, path, numbers, variants).read_text("utf-8"))
        if record.get("broadsheet") != __version__:
            return None
        for folder in record["folders"]:
            if any(n.startswith(JOURNAL[0]) and n.endswith(JOURNAL[1]) for n in os.listdir(folder)):
                return None  # an interrupted commit: the full run finishes it
        if any(_stat(Path(p)) != found for p, found in record["stats"].items()):
            return None
        if any(font_fingerprint(f) != found for f, found in record["fonts"].items()):
            return None
        if record.get("weasyprint") != engine_version():
            return None
        return [
            JobResult(
                job["name"],
                "skipped",
                pages=job["pages"],
                size=job["size"],
                diagnostics=[
                    Diagnostic.from_json({**d, "path": d["path"] and Path(d["path"])})
                    for d in job["warnings"]
                ],
            )
            for job in record["jobs"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def plan_record_data(
    inputs: Iterable[Path], outputs: Iterable[Path], fonts: Iterable[str], results: list[JobResult]
) -> dict[str, Any]:
    """What ``unchanged_results`` checks, from a run whose jobs all succeeded."""
    outputs = list(outputs)
    return {
        "broadsheet": __version__,
        "weasyprint": engine_version(),
        "fonts": {family: font_fingerprint(family) for family in sorted(set(fonts))},
        "folders": sorted({str(p.parent) for p in outputs}),
        "stats": stats([*inputs, *outputs]),
        "jobs": [
            {
                "name": r.name,
                "pages": r.pages,
                "size": r.size,
                # whole paths: the next command may run from another folder
                "warnings": [
                    {**d.as_json(), "path": None if d.path is None else str(d.path)}
                    for d in r.diagnostics
                ],
            }
            for r in results
        ],
    }
