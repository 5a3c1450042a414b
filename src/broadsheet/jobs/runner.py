"""Build many (installment, variant) jobs: plan, skip what is up to date, run in parallel."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from broadsheet import __version__
from broadsheet.content import load_edition
from broadsheet.diagnostics import BroadsheetError, ContentError, Diagnostic, display_path
from broadsheet.output import write_atomically
from broadsheet.pipeline import (
    BuiltEdition,
    installment_paths,
    output_paths,
    portable_html,
    render_html,
    typeset_edition,
)

RECORD_SUFFIX = ".build.json"


@dataclass(frozen=True)
class Job:
    installment: Path
    variant: str
    series_id: str
    slug: str

    def outputs(self, outdir: Path) -> tuple[Path, Path]:
        return output_paths(outdir, self.series_id, self.slug, self.variant)

    def record(self, outdir: Path) -> Path:
        html, _ = self.outputs(outdir)
        return html.parent / f".{self.variant}{RECORD_SUFFIX}"

    @property
    def name(self) -> str:
        return f"{self.series_id}/{self.slug}/{self.variant}"


@dataclass
class JobResult:
    name: str
    status: str  # "built", "skipped" or "failed"
    pages: int = 0
    size: int = 0
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_numbers(text: str) -> set[int]:
    """'2,5-7' → {2, 5, 6, 7}."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if match := re.fullmatch(r"(\d+)-(\d+)", part):
            low, high = int(match[1]), int(match[2])
            if low > high:
                raise ValueError(f"empty range {part}")
            numbers.update(range(low, high + 1))
        elif part.isdigit():
            numbers.add(int(part))
        else:
            raise ValueError(f"not a number or range: {part!r}")
    return numbers


def plan(
    path: Path, numbers: set[int] | None = None, variants: list[str] | None = None
) -> tuple[list[Job], list[JobResult]]:
    """The jobs PATH asks for, and the installments that failed to load.

    Two jobs that would write the same output are refused before anything is built.
    """
    jobs: list[Job] = []
    failures: list[JobResult] = []
    declared: set[str] = set()
    for installment in installment_paths(path):
        try:
            edition = load_edition(installment)
        except BroadsheetError as exc:
            failures.append(JobResult(str(display_path(installment)), "failed", errors=_lines(exc)))
            continue
        if numbers is not None and edition.installment.number not in numbers:
            continue
        declared.update(edition.series.variants)
        for variant in edition.series.variants:
            if variants is None or variant in variants:
                jobs.append(Job(installment, variant, edition.series.id, edition.slug))
    unknown = sorted(set(variants or ()) - declared) if declared else []
    if unknown:
        raise ContentError(
            Diagnostic(
                path,
                f"no variant {', '.join(unknown)} in this series "
                f"(it has: {', '.join(sorted(declared))})",
            )
        )
    _refuse_collisions(jobs)
    return jobs, failures


def _refuse_collisions(jobs: list[Job]) -> None:
    by_output: dict[tuple[str, str, str], list[Job]] = {}
    for job in jobs:
        by_output.setdefault((job.series_id, job.slug, job.variant), []).append(job)
    clashes = [
        Diagnostic(
            same[1].installment,
            f"writes the same output as {display_path(same[0].installment)}: "
            f"{same[0].name} (two installments with number {int(same[0].slug)}?)",
            field="number",
        )
        for same in by_output.values()
        if len(same) > 1
    ]
    if clashes:
        raise ContentError(clashes)


@cache
def font_file(family: str) -> str:
    """The font file fontconfig picks for a family, with size and mtime (a font
    update changes the output)."""
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


def build_key(built: BuiltEdition) -> str:
    """A hash of everything that shapes one output: the rendered HTML (content,
    settings and templates), every file of the layout, the images, the fonts,
    and the versions of broadsheet and WeasyPrint."""
    digest = hashlib.sha256()
    engine = importlib.metadata.version("weasyprint")
    digest.update(f"broadsheet {__version__}\0weasyprint {engine}\0".encode())
    digest.update(json.dumps(built.settings.values, sort_keys=True, default=str).encode())
    # Where the project lies is no input: a moved or copied project stays up to date.
    digest.update(portable_html(built).encode())
    for path in _layout_inputs(built):
        digest.update(str(path.relative_to(built.layout.folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    for path in sorted(set(built.images)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for family in built.layout.config.fonts:
        digest.update(font_file(family).encode())
    return digest.hexdigest()


def _layout_inputs(built: BuiltEdition) -> list[Path]:
    """The layout's files that shape this output: all of them but the stylesheets
    another variant adds (unless a used stylesheet @imports: then all)."""
    files = sorted(p for p in built.layout.folder.rglob("*") if p.is_file())
    used = {p.resolve() for p in built.layout.stylesheet_paths(built.settings.stylesheets)}
    if any("@import" in p.read_text(encoding="utf-8", errors="replace") for p in used):
        return files
    return [p for p in files if p.suffix.lower() != ".css" or p.resolve() in used]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def up_to_date(job: Job, outdir: Path, key: str) -> bool:
    """Whether the outputs on disk are the ones this key made. Anything missing,
    changed or unreadable means no: a rebuild, never a wrong output."""
    try:
        record = json.loads(job.record(outdir).read_text(encoding="utf-8"))
        if record.get("key") != key:
            return False
        outputs = record["outputs"]
        return all(_sha256(path) == outputs[path.name] for path in job.outputs(outdir))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def check_job(job: Job, outdir: Path, force: bool = False) -> JobResult | None:
    """The result of a job that needs no building (up to date, or unloadable), else None."""
    start = time.perf_counter()
    try:
        key = build_key(render_html(job.installment, job.variant))
    except BroadsheetError as exc:
        seconds = time.perf_counter() - start
        return JobResult(job.name, "failed", seconds=seconds, errors=_lines(exc))
    if force or not up_to_date(job, outdir, key):
        return None
    return JobResult(
        job.name,
        "skipped",
        pages=_recorded_pages(job, outdir),
        size=job.outputs(outdir)[1].stat().st_size,
        seconds=time.perf_counter() - start,
    )


def run_job(job: Job, outdir: Path) -> JobResult:
    """Build one job and write its outputs. Never raises for content errors."""
    start = time.perf_counter()
    try:
        built = typeset_edition(render_html(job.installment, job.variant))
        html_path, pdf_path = job.outputs(outdir)
        html = built.html.encode("utf-8")
        record = {
            "key": build_key(built),
            "pages": built.pages,
            "outputs": {
                html_path.name: hashlib.sha256(html).hexdigest(),
                pdf_path.name: hashlib.sha256(built.pdf).hexdigest(),
            },
        }
        write_atomically(
            {
                html_path: html,
                pdf_path: built.pdf,
                job.record(outdir): json.dumps(record, indent=1).encode(),
            }
        )
    except BroadsheetError as exc:
        seconds = time.perf_counter() - start
        return JobResult(job.name, "failed", seconds=seconds, errors=_lines(exc))
    return JobResult(
        job.name,
        "built",
        pages=built.pages,
        size=len(built.pdf),
        seconds=time.perf_counter() - start,
        written=[html_path, pdf_path],
        warnings=built.warnings,
    )


def _recorded_pages(job: Job, outdir: Path) -> int:
    try:
        return int(json.loads(job.record(outdir).read_text(encoding="utf-8"))["pages"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _lines(exc: BroadsheetError) -> list[str]:
    return [str(d) for d in exc.diagnostics]


def run_jobs(
    jobs: Iterable[Job],
    outdir: Path,
    workers: int,
    force: bool = False,
    on_start: Callable[[Job], None] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run jobs in ``workers`` processes; one failure stops nothing.

    What is up to date is found here first (a few milliseconds a job), so a
    rebuild with nothing changed starts no worker at all.
    """
    jobs = list(jobs)
    results: dict[str, JobResult] = {}

    def finish(result: JobResult) -> None:
        results[result.name] = result
        if on_done:
            on_done(result)

    dirty = []
    for job in jobs:
        if (result := check_job(job, outdir, force)) is not None:
            finish(result)
        else:
            dirty.append(job)
    if workers <= 1 or len(dirty) <= 1:
        for job in dirty:
            if on_start:
                on_start(job)
            finish(run_job(job, outdir))
    else:
        # fork: the workers start with fonts, imports and caches already loaded
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = []
            for job in dirty:
                if on_start:
                    on_start(job)
                futures.append(pool.submit(run_job, job, outdir))
            for future in as_completed(futures):
                finish(future.result())
    return [results[job.name] for job in jobs]
