"""What a job takes to a cluster worker (its files, the machine it expects) and brings back.

A worker has no copy of the project and no shared file system. The client
sends the files the job's build key is made of, each by its *place*, a path
under the worker's job folder: the project as ``project/`` (its layouts and
assets shared by many jobs, sent once per worker), content outside any project
(the bundled layouts' case) as ``project/content/<series folder>``. The worker
writes them into a folder of its own (one per set of layout files, kept while
it lives, so the engine's caches hold), renders the HTML there and keys it: the
key is the client's only if the worker's fonts, engine and inputs are the
same, and only then does it typeset. It returns the PDF's bytes and the HTML;
the client writes them, as a local build does.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import os
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from broadsheet import __version__, limits
from broadsheet.diagnostics import BroadsheetError, Diagnostic
from broadsheet.jobs.plan import Job

PROJECT = "project"
# Where each worker says it starts a job: a job started twice was retried.
STARTED = "broadsheet-job-started"
# Python packages whose version changes the bytes of a PDF (as tests/test_sample_bytes.py).
PACKAGES = ("weasyprint", "pydyf", "pikepdf", "fonttools", "pillow", "pypdfium2")


@dataclass(frozen=True)
class Shared:
    """Files many jobs share, by place: every file of the layouts and the project's assets."""

    files: dict[str, bytes]

    @property
    def digest(self) -> str:
        found = hashlib.sha256()
        for place, data in sorted(self.files.items()):
            found.update(place.encode() + b"\0" + hashlib.sha256(data).digest())
        return found.hexdigest()[:20]


def unpack(shared: Shared) -> Shared:
    """The shared files as a task's result, which workers pass on to each other."""
    return shared


@dataclass(frozen=True)
class Task:
    """One job as it travels: its own files (installment, series file, images) by place."""

    job: Job
    installment: str  # the installment's place
    key: str
    draft: bool
    machine: dict[str, str]  # the client's fonts and versions (machine_facts)
    files: dict[str, bytes]
    limits: limits.Limits
    thumbnail: bool  # an archive edition: its PNG is made where its PDF is
    run: str  # this command's run, named in the worker's "started" events
    draft_print: bool = False  # a print or archive draft with placeholders (--draft-print)


@dataclass
class Outcome:
    """What the worker made of a task; ``errors`` set means it failed. Paths in
    diagnostics and HTML are the worker's, under ``top``: the client maps them back."""

    worker: str
    top: str
    seconds: float
    pdf: bytes = b""
    html: str = ""
    pages: int = 0
    thumbnail: bytes | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    fit: dict[str, Any] | None = None


def roots_of(built: Any) -> dict[Path, str]:
    """The client's folders that are shipped, each with its place (``built``: a BuiltEdition)."""
    project = built.project
    roots = {project.root.resolve(): PROJECT}
    if project.bundled:
        content = project.content_root.resolve()
        roots[content] = f"{PROJECT}/content/{content.name}"
    return roots


def place_of(path: Path, roots: dict[Path, str]) -> str | None:
    """The place of a client's file, or None for a file outside every shipped folder."""
    resolved = path.resolve()
    for root, place in sorted(roots.items(), key=lambda item: -len(item[0].parts)):
        if resolved.is_relative_to(root):
            return (PurePosixPath(place) / resolved.relative_to(root).as_posix()).as_posix()
    return None


def shared_files(built: Any, roots: dict[Path, str]) -> dict[str, bytes]:
    """Every file of the layout and the layouts it extends, and of the project's assets."""
    folders = [*built.layout.folders, built.project.assets_dir]
    found: dict[str, bytes] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (place := place_of(path, roots)) is not None:
                found[place] = path.read_bytes()
    return found


def make_task(
    job: Job, built: Any, key: str, machine: dict[str, str], run: str, thumbnail: bool
) -> Task | Diagnostic:
    """The task of a prepared job, with its own files (installment, series
    file, images) by place; or what cannot travel."""
    roots = roots_of(built)
    edition = built.edition
    files: dict[str, bytes] = {}
    for path in [edition.installment_path, edition.series_path, *built.images]:
        place = place_of(path, roots)
        if place is None:
            message = "lies outside the project: a cluster worker cannot be sent it"
            return Diagnostic(path, message, subject=job.name)
        files[place] = path.read_bytes()
    installment = place_of(edition.installment_path, roots)
    assert installment is not None
    return Task(
        job,
        installment,
        key,
        built.draft,
        machine,
        files,
        limits.active(),
        thumbnail,
        run,
        built.draft_print,
    )


@cache
def _package_versions() -> dict[str, str]:
    found = {"broadsheet": __version__}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


@cache
def _colour_profile() -> str:
    from broadsheet.pdf import CMYK_PROFILE

    try:
        return hashlib.sha256(CMYK_PROFILE.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


FONT = "font "


def machine_facts(fonts: list[str]) -> dict[str, str]:
    """What of this machine shapes a job's bytes but does not travel with it:
    the font file fontconfig picks for each of the layout's families (path,
    size, date, as the build key has them), the colour profile of print files,
    Pango and the Python packages that write the PDF."""
    from broadsheet import engine
    from broadsheet.jobs.uptodate import font_fingerprint

    facts = {**_package_versions(), "pango": engine.versions()["pango"]}
    facts["colour profile"] = _colour_profile()
    for family in fonts:
        facts[f"{FONT}{family}"] = font_fingerprint(family)
    return facts


def machine_differences(expected: dict[str, str]) -> list[str]:
    """How this machine (a worker) differs from the client that sent
    ``expected``, one item each."""
    fonts = [name.removeprefix(FONT) for name in expected if name.startswith(FONT)]
    here = machine_facts(fonts)
    return [
        f"{name}: {there!r} on this machine, {here.get(name, 'missing')!r} on the worker"
        for name, there in expected.items()
        if here.get(name) != there
    ]


def worker_name() -> str:
    """The Dask worker's address, or this host's name outside a worker."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return socket.gethostname()


_frozen: list[bool] = []


def _say_started(task: Task, worker: str) -> bool:
    """Log the job's start on the cluster; False outside a Dask worker."""
    try:
        from distributed import get_worker

        get_worker().log_event(STARTED, {"run": task.run, "job": task.job.name, "worker": worker})
    except (ImportError, ValueError):  # not in a worker (a test calling directly)
        return False
    return True


def build_shipped(task: Task, shared: Shared) -> Outcome:
    """On a worker: write the task's files into the folder of its layout's
    files, check that they, this machine's fonts and engine make the client's
    key, and typeset."""
    worker = worker_name()
    if _say_started(task, worker) and not _frozen:
        # as a pool worker does: the engine loaded and set aside from garbage
        # collection once, before any job, so that the collections a layout
        # makes walk that job's objects, not the worker's and the engine's
        from broadsheet.jobs.runner import _engine_loaded

        _engine_loaded()
        _frozen.append(True)
    start = time.perf_counter()
    top = _folder_of(shared)
    outcome = Outcome(worker, str(top), 0.0)
    try:
        _build_in(task, top, outcome)
    finally:
        outcome.seconds = time.perf_counter() - start
        # a laid-out document is a web of cycles holding fonts and images
        gc.collect()
    return outcome


_scratch: list[tempfile.TemporaryDirectory] = []


def _folder_of(shared: Shared) -> Path:
    """The folder holding these shared files, written once in this process: the
    same stylesheet and font paths job after job, so the engine's caches (keyed
    by URL) and the templates' hold. Jobs write their own files into it."""
    if not _scratch:
        try:
            from distributed import get_worker

            under = get_worker().local_directory  # Dask clears it after a crash too
        except (ImportError, ValueError):
            under = None
        _scratch.append(tempfile.TemporaryDirectory(prefix="broadsheet-", dir=under))
    top = Path(_scratch[0].name).resolve() / shared.digest
    if not top.is_dir():
        # written aside and renamed: a job in another thread sees all of it or none
        aside = Path(tempfile.mkdtemp(dir=top.parent))
        _write(aside, shared.files)
        try:
            aside.rename(top)
        except OSError:  # another thread was first
            shutil.rmtree(aside, ignore_errors=True)
    return top


def _write(top: Path, files: dict[str, bytes]) -> None:
    for place, data in files.items():
        parts = PurePosixPath(place).parts
        if PurePosixPath(place).is_absolute() or ".." in parts or parts[0] != PROJECT:
            raise ValueError(f"not a place under the job's folder: {place!r}")
        path = top / place
        path.parent.mkdir(parents=True, exist_ok=True)
        # renamed into place: a job reading the file meanwhile sees it whole
        aside = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        aside.write_bytes(data)
        os.replace(aside, path)


def _build_in(task: Task, top: Path, outcome: Outcome) -> None:
    from broadsheet.jobs.keys import job_key
    from broadsheet.jobs.runner import _diagnostics, _fit_row
    from broadsheet.limits import LimitExceeded
    from broadsheet.pipeline import render_html, typeset_edition

    if differences := machine_differences(task.machine):
        said = "; ".join(differences)
        message = (
            f"worker {outcome.worker} has other fonts or packages than this machine, so its "
            f"PDF would differ; refused: {said} (install the same there, see README)"
        )
        outcome.errors = [Diagnostic(None, message)]
        return
    _write(top, task.files)
    job = replace(task.job, installment=top / task.installment)
    limits.set_active(task.limits)
    built = None
    try:
        built = render_html(
            job.installment, job.variant, draft=task.draft, draft_print=task.draft_print
        )
        key = job_key(built)
        if key != task.key:
            message = (
                f"worker {outcome.worker} made another build key of this job's files: "
                "an input did not travel with it, or reads differently there"
            )
            outcome.errors = [Diagnostic(job.installment, message)]
            return
        with limits.job_budget():
            typeset_edition(built)
        if task.thumbnail:
            from broadsheet.jobs.targets import thumbnail_png

            outcome.thumbnail = thumbnail_png(built.pdf)
    except (BroadsheetError, LimitExceeded, OSError, MemoryError, RecursionError) as exc:
        outcome.errors = [*(built.warnings if built else []), *_diagnostics(exc, job)]
        outcome.fit = _fit_row(built) if built is not None else None
        return
    outcome.pdf, outcome.html, outcome.pages = built.pdf, built.html, built.pages
    outcome.warnings = built.warnings
    outcome.stages = dict(built.timings.stages)
    outcome.fit = _fit_row(built)
