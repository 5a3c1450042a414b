"""Build jobs on a Dask cluster: each job travels with its files, a worker returns its bytes, and
this process writes them, as a local build does.

Dask distributed is an optional extra (``pip install 'broadsheet[cluster]'``),
imported only here, only when ``--scheduler`` is given. A worker that dies in
the middle of a job is Dask's to survive: the scheduler gives the job to
another worker, and since only this process writes, each output is written
once, whole. The workers log when they start a job (jobs/shipping.py): a job
started more than once was retried, and its result says on which workers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from broadsheet.diagnostics import BroadsheetError, Diagnostic
from broadsheet.jobs.plan import Job
from broadsheet.jobs.results import JobResult
from broadsheet.jobs.shipping import (
    STARTED,
    Outcome,
    Shared,
    Task,
    build_shipped,
    machine_facts,
    make_task,
    roots_of,
    shared_files,
    unpack,
)

if TYPE_CHECKING:
    from distributed import Client, Future

    from broadsheet.jobs.runner import Prepared, Target

# The scheduler's address when --scheduler is not given.
ENVIRONMENT = "BROADSHEET_SCHEDULER"
# How long a scheduler (and its first worker) may take to answer.
CONNECT_SECONDS = 5
INSTALL = "pip install 'broadsheet[cluster]'"


def connect(address: str) -> Client:
    """A client of the scheduler at ``address`` that has at least one worker;
    a BroadsheetError saying why not within a few seconds."""
    try:
        import distributed
    except ImportError:
        message = f"--scheduler needs Dask distributed, an optional part: {INSTALL}"
        raise BroadsheetError(Diagnostic(None, message)) from None
    try:
        with _quiet():
            client = distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        message = (
            f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS} s "
            f"({exc}): is `dask scheduler` running there, and the address its tcp://HOST:PORT?"
        )
        raise BroadsheetError(Diagnostic(None, message)) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        client.close()
        message = (
            f"the Dask scheduler at {address} has no worker ({exc}): "
            f"start `dask worker {address}` on each machine"
        )
        raise BroadsheetError(Diagnostic(None, message)) from None
    return client


@contextmanager
def _quiet() -> Iterator[None]:
    """Dask's own log lines (a worker lost, a connection retried) stay out of
    the command's output: what matters comes back as each job's result."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def in_cluster(
    dirty: Iterator[Prepared],
    target: Target,
    address: str,
    in_flight: int,
    on_start: Callable[[Job], None] | None,
    finish: Callable[[JobResult], None],
) -> None:
    """Build the prepared jobs on the cluster at ``address``, at most
    ``in_flight`` at once (0: twice the cluster's threads, so that each worker
    has its next job at hand), and commit each here as it comes back."""
    client = connect(address)
    with _quiet():
        try:
            _run(client, dirty, target, in_flight, on_start, finish)
        finally:
            client.close()


def _run(
    client: Client,
    dirty: Iterator[Prepared],
    target: Target,
    in_flight: int,
    on_start: Callable[[Job], None] | None,
    finish: Callable[[JobResult], None],
) -> None:
    from distributed import as_completed

    from broadsheet.jobs.runner import failed

    run = uuid.uuid4().hex
    limit = in_flight or 2 * max(1, sum(client.nthreads().values()))
    sender = _Sender(client, run, isinstance(target, _archive_target()))
    sent: dict[Future, Prepared] = {}
    built: dict[str, JobResult] = {}
    queue = as_completed(loop=client.loop)

    def collect(future: Future) -> None:
        prepared = sent.pop(future)
        result = _committed(future, prepared, sender.roots[prepared.job.name], target)
        built[result.name] = result
        finish(result)

    try:
        for prepared in dirty:
            future = sender.submit(prepared)
            if isinstance(future, Diagnostic):
                finish(failed(prepared.job.name, [future], prepared.seconds))
                continue
            if on_start:
                on_start(prepared.job)
            sent[future] = prepared
            queue.add(future)
            del prepared  # its page is kept with the future until it is back
            while len(sent) >= limit:
                collect(next(queue))
        for future in queue:
            collect(future)
    except KeyboardInterrupt:
        client.cancel(list(sent))
        raise
    _mark_retried(client, run, built)


def _archive_target() -> type:
    from broadsheet.jobs.targets import ArchiveTarget

    return ArchiveTarget


class _Sender:
    """Makes each prepared job a task and submits it: the files its layout
    shares with other jobs go once (a task of their own), its own go with it."""

    def __init__(self, client: Client, run: str, thumbnails: bool) -> None:
        self.client, self.run, self.thumbnails = client, run, thumbnails
        self.shared: dict[tuple[Path, ...], Future] = {}
        self.machines: dict[tuple[str, ...], dict[str, str]] = {}
        self.roots: dict[str, dict[Path, str]] = {}

    def submit(self, prepared: Prepared) -> Future | Diagnostic:
        built, job = prepared.built, prepared.job
        fonts = tuple(prepared.fonts)
        if fonts not in self.machines:
            self.machines[fonts] = machine_facts(list(fonts))
        task = make_task(job, built, prepared.key, self.machines[fonts], self.run, self.thumbnails)
        if isinstance(task, Diagnostic):
            return task
        roots = roots_of(built)
        folders = (*roots, *built.layout.folders)
        if folders not in self.shared:
            # a task, not scattered data: the scheduler keeps its arguments, so
            # when the workers holding its result die it is made again
            shipped = Shared(shared_files(built, roots))
            key = f"broadsheet-{self.run}-files-{len(self.shared)}"
            self.shared[folders] = self.client.submit(unpack, shipped, key=key)
        self.roots[job.name] = roots
        key = f"broadsheet-{self.run}-{job.name}"
        return self.client.submit(build_shipped, task, self.shared[folders], key=key)


def task_of(prepared: Prepared, thumbnail: bool = False) -> tuple[Task, Shared]:
    """The task and the shared files one job travels with (the bench weighs them)."""
    built = prepared.built
    machine = machine_facts(prepared.fonts)
    task = make_task(prepared.job, built, prepared.key, machine, "bench", thumbnail)
    assert not isinstance(task, Diagnostic), task
    return task, Shared(shared_files(built, roots_of(built)))


class _Back:
    """Maps a worker's paths (under its job folder ``top``) back to this machine's."""

    def __init__(self, roots: dict[Path, str], top: str) -> None:
        pairs = [(Path(top) / place, root) for root, place in roots.items()]
        self.pairs = sorted(pairs, key=lambda pair: -len(str(pair[0])))

    def text(self, text: str) -> str:
        for there, here in self.pairs:
            text = text.replace(there.as_uri(), here.as_uri()).replace(str(there), str(here))
        return text

    def path(self, path: Path | str | None, default: Path) -> Path | str | None:
        if path is None:
            return default
        if isinstance(path, Path):
            for there, here in self.pairs:
                if path.is_relative_to(there):
                    return here / path.relative_to(there)
        return path

    def diagnostics(self, found: list[Diagnostic], job: Job) -> list[Diagnostic]:
        return [
            replace(
                d,
                path=self.path(d.path, job.installment),
                message=self.text(d.message),
                subject=d.subject or job.name,
            )
            for d in found
        ]


def _committed(
    future: Future, prepared: Prepared, roots: dict[Path, str], target: Target
) -> JobResult:
    """The job's result once its worker answered: its outputs written here."""
    from broadsheet.jobs.runner import commit_result, failed

    job, built = prepared.job, prepared.built
    try:
        outcome: Outcome = future.result()
    except Exception as exc:  # the job stopped every worker it was given, or the cluster went
        message = f"the cluster could not build it: {type(exc).__name__}: {exc}"
        return failed(job.name, [Diagnostic(job.installment, message)], prepared.seconds)
    back = _Back(roots, outcome.top)
    seconds = prepared.seconds + outcome.seconds
    if outcome.errors:
        result = failed(job.name, back.diagnostics(outcome.errors, job), seconds)
        result.fit = outcome.fit
        return result
    built.html = back.text(outcome.html)
    built.pdf, built.pages = outcome.pdf, outcome.pages
    built.warnings = back.diagnostics(outcome.warnings, job)
    for stage, taken in outcome.stages.items():
        # content, text and html were timed here, as the job was prepared
        built.timings.stages.setdefault(stage, taken)
    return commit_result(target, prepared, seconds, outcome.fit, outcome.thumbnail)


def _mark_retried(client: Client, run: str, results: dict[str, JobResult]) -> None:
    """Name, in each result of a job started more than once, the workers that
    started it and did not finish (one died, or left the cluster)."""
    started: dict[str, list[str]] = {}
    for _, event in client.get_events(STARTED):
        if isinstance(event, dict) and event.get("run") == run:
            started.setdefault(event["job"], []).append(event["worker"])
    for name, workers in started.items():
        if len(workers) > 1 and name in results:
            results[name].retried = workers[:-1]
