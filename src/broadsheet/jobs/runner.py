"""Run jobs: render and key each once, skip what is up to date, build the rest in processes."""

from __future__ import annotations

import gc
import itertools
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from broadsheet import jobs as jobs_package
from broadsheet import limits
from broadsheet.diagnostics import BroadsheetError, Diagnostic
from broadsheet.jobs.keys import job_inputs, job_key
from broadsheet.jobs.plan import Job, LoadFailure
from broadsheet.jobs.results import JobResult
from broadsheet.jobs.targets import Committed, EditionTarget, Known
from broadsheet.limits import LimitExceeded
from broadsheet.output import remove_process_folders
from broadsheet.pipeline import BuiltEdition, render_html, typeset_edition


class Target(Protocol):
    def up_to_date(self, job: Job, key: str) -> Known | None: ...

    def commit(self, job: Job, built: BuiltEdition, key: str) -> Committed: ...

    def previous_seconds(self, job: Job) -> float | None: ...


def failed(name: str, diagnostics: list[Diagnostic], seconds: float = 0.0) -> JobResult:
    return JobResult(name, "failed", seconds=seconds, diagnostics=_about(diagnostics, name))


def load_failure_result(failure: LoadFailure) -> JobResult:
    return JobResult(failure.name, "failed", diagnostics=failure.diagnostics)


def _about(diagnostics: list[Diagnostic], name: str) -> list[Diagnostic]:
    return [d if d.subject else replace(d, subject=name) for d in diagnostics]


def _diagnostics(exc: BaseException, job: Job) -> list[Diagnostic]:
    """What stopped a job, as diagnostics: a content or layout error, a bound,
    or the file system refusing to write (permissions, a full disk)."""
    if isinstance(exc, BroadsheetError):
        return exc.diagnostics
    if isinstance(exc, LimitExceeded):
        return [Diagnostic(job.installment, exc.message, subject=job.name)]
    if isinstance(exc, MemoryError):
        return [Diagnostic(job.installment, limits.out_of_memory(), subject=job.name)]
    if isinstance(exc, RecursionError):
        # markup nested deeper than the engine can lay out
        message = "the page's markup is nested too deeply to lay out"
        return [Diagnostic(job.installment, message, subject=job.name)]
    assert isinstance(exc, OSError)
    where = exc.filename or job.installment
    # what failed is said by the stage that raised it (WritingError); any
    # other is a file the build read (a picture removed as it ran, say)
    doing = "cannot write" if isinstance(exc, WritingError) else "cannot read"
    return [Diagnostic(Path(where), f"{doing}: {exc.strerror or exc}", subject=job.name)]


class WritingError(OSError):
    """The file system refused a job's outputs (permissions, a full disk)."""


@dataclass
class Prepared:
    """A job whose HTML is rendered and keyed: what a worker needs to build it."""

    job: Job
    built: BuiltEdition
    key: str
    seconds: float
    inputs: list[Path] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)


def _fit_row(built: BuiltEdition) -> dict[str, Any] | None:
    return built.fit.row() if built.fit is not None else None  # type: ignore[attr-defined]


def prepare(
    job: Job, target: Target, force: bool, draft: bool = False, draft_print: bool = False
) -> JobResult | Prepared:
    """Render the job's HTML and compute its key, once; a result when nothing is to build."""
    start = time.perf_counter()
    try:
        built = render_html(job.installment, job.variant, draft=draft, draft_print=draft_print)
        key = job_key(built)
    except (BroadsheetError, MemoryError, RecursionError) as exc:
        return failed(job.name, _diagnostics(exc, job), time.perf_counter() - start)
    known = None if force else target.up_to_date(job, key)
    if known is None:
        fonts = built.layout.config.fonts
        return Prepared(job, built, key, time.perf_counter() - start, job_inputs(built), fonts)
    return JobResult(
        job.name,
        "skipped",
        pages=known.pages,
        size=known.size,
        seconds=time.perf_counter() - start,
        diagnostics=_about(known.warnings, job.name),
        record=known.record,
        inputs=job_inputs(built),
        fonts=built.layout.config.fonts,
    )


def build_prepared(prepared: Prepared, target: Target, last: bool = False) -> JobResult:
    """Typeset a prepared job and commit its outputs. Never raises for content
    or layout errors: they are the result. ``last``: no other job follows in
    this process, whose memory goes with it."""
    try:
        return _build_prepared(prepared, target)
    finally:
        if not last:
            # a laid-out document is a web of cycles (boxes and their parents)
            # holding fonts and images: collected now (47 ms), not jobs later
            gc.collect()


def _build_prepared(prepared: Prepared, target: Target) -> JobResult:
    start = time.perf_counter()
    job, built = prepared.job, prepared.built
    try:
        with limits.job_budget():
            typeset_edition(built)
    except (BroadsheetError, LimitExceeded, OSError, MemoryError, RecursionError) as exc:
        seconds = prepared.seconds + time.perf_counter() - start
        result = failed(job.name, [*built.warnings, *_diagnostics(exc, job)], seconds)
        result.fit = _fit_row(built)
        return result
    seconds = prepared.seconds + time.perf_counter() - start
    return commit_result(target, prepared, seconds, _fit_row(built))


def commit_result(
    target: Target,
    prepared: Prepared,
    seconds: float,
    fit: dict[str, Any] | None,
    thumbnail: bytes | None = None,
) -> JobResult:
    """Commit a typeset job's outputs (wherever it was typeset) and say how it
    went; a file system that refuses them fails the job, "cannot write"."""
    start = time.perf_counter()
    job, built = prepared.job, prepared.built
    made = {} if thumbnail is None else {"thumbnail": thumbnail}
    try:
        try:
            committed = target.commit(job, built, prepared.key, **made)
        except OSError as exc:
            raise WritingError(exc.errno, exc.strerror, exc.filename) from exc
    except (BroadsheetError, OSError) as exc:
        seconds += time.perf_counter() - start
        result = failed(job.name, [*built.warnings, *_diagnostics(exc, job)], seconds)
        result.fit = fit
        return result
    return JobResult(
        job.name,
        committed.status,
        pages=built.pages,
        size=committed.size,
        seconds=seconds + time.perf_counter() - start,
        written=committed.written,
        diagnostics=_about(built.warnings, job.name),
        record=committed.record,
        stages=dict(built.timings.stages),
        fit=fit,
    )


def check_job(job: Job) -> JobResult:
    """Every stage of a build in memory, nothing written: the result carries the
    errors and warnings, and the notes of what normalisation changes."""
    start = time.perf_counter()
    built = None
    try:
        with limits.job_budget():
            built = render_html(job.installment, job.variant)
            typeset_edition(built)
            # what a build would take along with the HTML: a stylesheet URL that
            # only the copying meets is refused here too, not first by `build`
            from broadsheet.page.portable import output_html

            output_html(built, built.output_paths(Path("output"))[0])
    except (BroadsheetError, LimitExceeded, OSError, MemoryError, RecursionError) as exc:
        result = failed(job.name, _diagnostics(exc, job), time.perf_counter() - start)
        result.fit = _fit_row(built) if built is not None else None
        return result
    return JobResult(
        job.name,
        "ok",
        pages=built.pages,
        seconds=time.perf_counter() - start,
        diagnostics=_about([*built.notes, *built.warnings], job.name),
        stages=dict(built.timings.stages),
        fit=_fit_row(built),
    )


def run_jobs(
    jobs: Iterable[Job],
    target: Target | Path,
    workers: int,
    force: bool = False,
    on_start: Callable[[Job], None] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
    draft: bool = False,
    draft_print: bool = False,
    scheduler: str | None = None,
) -> list[JobResult]:
    """Run jobs in ``workers`` processes; one failure stops nothing. With a
    ``scheduler`` (a Dask scheduler's address) they run on that cluster,
    ``workers`` at most at once (0: as many as keep it busy).

    Each job's HTML is rendered and keyed here, once (a few milliseconds), so
    a rebuild with nothing changed starts no worker at all; a job to build
    travels to its worker with that HTML and key. With several workers, jobs
    go to the pool as they are prepared: it starts at the second job to build
    (one alone is built here, without a process to start), and its workers
    load the engine while the rest are prepared.
    """
    if isinstance(target, Path):
        target = EditionTarget(target)
    jobs = list(jobs)
    results: dict[str, JobResult] = {}
    inputs: dict[str, Prepared] = {}

    def finish(result: JobResult) -> None:
        if result.name in inputs:
            result.inputs, result.fonts = inputs[result.name].inputs, inputs[result.name].fonts
        results[result.name] = result
        if on_done:
            on_done(result)

    def prepared_jobs(order: list[Job]) -> Iterator[Prepared]:
        for job in order:
            prepared = prepare(job, target, force, draft, draft_print)
            if isinstance(prepared, JobResult):
                finish(prepared)
            else:
                # kept here, without its page: the next build's stat check
                inputs[job.name] = replace(prepared, built=None)
                yield prepared

    # the longest first, as the last build took them (new ones before all):
    # no worker is left with a long job while the other has none
    def expected(job: Job) -> float:
        seconds = target.previous_seconds(job)
        return -math.inf if seconds is None else -seconds

    if scheduler is not None:
        from broadsheet.jobs.cluster import in_cluster

        order = sorted(jobs, key=expected)
        in_cluster(prepared_jobs(order), target, scheduler, workers, on_start, finish)
    elif workers > 1 and len(jobs) > 1:
        order = sorted(jobs, key=expected)
        _in_processes(prepared_jobs(order), target, workers, on_start, finish, eager=force)
    else:
        dirty = list(prepared_jobs(jobs))
        if dirty and jobs_package.ONE_COMMAND_PROCESS:
            _engine_loaded()
        dirty.reverse()
        while dirty:
            # let go of each job once built: its page, HTML and PDF are big
            prepared = dirty.pop()
            if on_start:
                on_start(prepared.job)
            finish(build_prepared(prepared, target, last=not dirty))
            del prepared
    return [results[job.name] for job in jobs]


def _in_processes(
    dirty: Iterator[Prepared],
    target: Target,
    workers: int,
    on_start: Callable[[Job], None] | None,
    finish: Callable[[JobResult], None],
    eager: bool = False,
) -> None:
    """Build in a pool of processes, started at the second job to build, or at
    once when every job is to be built (``eager``: ``--force``). Ctrl-C here
    cancels what is queued at once and stops the workers; a worker committing
    files finishes that first (its commit holds signals), so only whole outputs
    are left."""
    pool: ProcessPoolExecutor | None = None
    futures: dict[Future[JobResult], Job] = {}

    def start_pool() -> ProcessPoolExecutor:
        # fork: the workers start with what this process has loaded, and load
        # the engine (WeasyPrint, its fonts) while this one prepares the jobs;
        # the first task makes them now, not at the first job
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        made = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker)
        made.submit(os.getpid)
        return made

    def collect(done: Iterable[Future[JobResult]]) -> None:
        for future in done:
            try:
                result = future.result()
            except Exception as exc:  # a worker died (out of memory, killed)
                job = futures[future]
                message = f"the build process stopped: {exc!r}"
                result = failed(job.name, [Diagnostic(job.installment, message)])
            finish(result)
            del futures[future]

    try:
        if eager:
            pool = start_pool()
        first = next(dirty, None)
        second = next(dirty, None) if first is not None else None
        if pool is None and second is None:
            if first is not None:
                # one job to build: here, without a process to start
                if on_start:
                    on_start(first.job)
                finish(build_prepared(first, target, last=True))
            return
        pool = pool or start_pool()
        stream = itertools.chain((p for p in (first, second) if p is not None), dirty)
        first = second = None
        for prepared in stream:
            if on_start:
                on_start(prepared.job)
            futures[pool.submit(build_prepared, prepared, target)] = prepared.job
            del prepared  # the pool holds it until sent
            collect([f for f in futures if f.done()])
        collect(as_completed(list(futures)))
    except KeyboardInterrupt:
        if pool is None:
            raise
        # a second Ctrl-C while the workers are stopped changes nothing
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            workers_ = dict(getattr(pool, "_processes", None) or {})
            for process in workers_.values():
                process.terminate()
            for process in workers_.values():
                process.join(timeout=5)
            pool.shutdown(wait=False, cancel_futures=True)
            remove_process_folders(list(workers_))
        finally:
            signal.signal(signal.SIGINT, previous)
        raise
    if pool is not None:
        pids = list(getattr(pool, "_processes", None) or {})
        pool.shutdown()
        # workers leave without clean-up (os._exit): their temporary folders go here
        remove_process_folders(pids)


def _worker() -> None:
    # Ctrl-C reaches the whole process group; the main process decides what
    # stops (and says so once), not every worker with its own traceback. The
    # main process stops a worker with SIGTERM: its default, not the handler
    # the main process has for itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    # the engine once per worker, while the main process prepares jobs
    jobs_package.ONE_COMMAND_PROCESS = True
    _engine_loaded()


def _engine_loaded() -> None:
    """Load the engine, and set what is loaded so far aside from garbage
    collection for the rest of this one-command process (gc.freeze): each
    collection then walks a job's objects, not the 70,000 of the modules (a
    collection took 40 ms, now 8, and the layout makes several). Not in a
    process that goes on: in the test run, freezing at every in-process build
    (with the garbage of the builds before it) made a later sample page come
    out underset by 55 lines, and once crashed the process; why was not
    pinned down, so a long-lived process collects as Python does."""
    import broadsheet.engine.typeset
    import broadsheet.pdf.printing  # noqa: F401

    gc.freeze()
