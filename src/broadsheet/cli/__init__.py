"""The `broadsheet` command: each command calls its stage, errors become exit codes in one place."""

from __future__ import annotations

import atexit
import contextlib
import datetime
import functools
import json
import os
import re
import shlex
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from broadsheet import __version__, limits
from broadsheet.cli.report import Reporter
from broadsheet.diagnostics import (
    EXIT_CONTENT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    BroadsheetError,
    Diagnostic,
    display_path,
)

if TYPE_CHECKING:
    from broadsheet.jobs.plan import Job
    from broadsheet.jobs.runner import JobResult

# Each command imports its stages when it runs: `--help`, `new` or `config`
# do not pay for the engine, the schema or the job runner.

PATH_ARG = click.Path(exists=True, path_type=Path)


class _Main(click.Group):
    """Turns every error of a command into diagnostics and an exit code: a user
    never sees a Python traceback (``-v`` shows it for an internal error)."""

    def invoke(self, ctx: click.Context) -> Any:
        # the command line as given: the group consumes it while invoking
        given = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            with _terminations_as_interrupts():
                return super().invoke(ctx)
        except BroadsheetError as exc:
            reporter = _reporter(ctx)
            reporter.add(exc.diagnostics)
            reporter.finish(code=exc.exit_code)
        except click.UsageError as exc:
            if "--json" not in given:
                raise
            # CI asked for JSON: a usage error is one too, with click's exit code
            reporter = Reporter(json_output=True)
            reporter.add([Diagnostic(None, exc.format_message())])
            reporter.finish(code=exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt as exc:
            # leaving: a second Ctrl-C waits for the verdict
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                reporter = _reporter(ctx)
                how = "interrupted"
                code = EXIT_INTERRUPTED
                if isinstance(exc, Terminated):
                    how = f"stopped by {signal.Signals(exc.signum).name}"
                    code = 128 + exc.signum  # as a shell reports a signal
                said = f"{how}: queued jobs cancelled, finished outputs kept"
                reporter.say(said, error=True)
                reporter.finish(code=code)
            finally:
                signal.signal(signal.SIGINT, previous)
        except MemoryError:
            reporter = _reporter(ctx)
            reporter.add([Diagnostic(None, limits.out_of_memory())])
            reporter.finish(code=EXIT_CONTENT)
        except OSError as exc:
            # A file system refusal (permissions, full disk) is the user's to fix.
            reporter = _reporter(ctx)
            where = exc.filename or "broadsheet"
            reporter.add([Diagnostic(Path(where), exc.strerror or str(exc))])
            reporter.finish(code=EXIT_CONTENT)
        except Exception as exc:
            reporter = _reporter(ctx)
            if reporter.verbose:
                reporter.say(traceback.format_exc(), error=True)
            message = f"internal error: {exc!r} (a bug in broadsheet; -v shows where)"
            reporter.add([Diagnostic(None, message)])
            reporter.finish(code=EXIT_INTERNAL)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stopped as by Ctrl-C (queued jobs cancelled, workers
    stopped, temporary folders removed), with the signal's own exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _terminations_as_interrupts() -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, stop)
    except ValueError:  # not the main thread: the defaults stay
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _reporter(ctx: click.Context) -> Reporter:
    found = ctx.find_object(Reporter)
    if found is None:
        # the failing command's own context holds it, if it got that far
        found = ctx.meta.get("broadsheet.reporter") or Reporter()
    return found


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """-q/-v/--json/--strict for a command; the command receives ``reporter``."""

    @click.option("-q", "--quiet", is_flag=True, help="Errors and warnings only.")
    @click.option("-v", "--verbose", is_flag=True, help="Also each job's stage times.")
    @click.option("--json", "json_output", is_flag=True, help="One JSON document on stdout.")
    @click.option("--strict", is_flag=True, help="Warnings fail the run (exit 1).")
    @click.pass_context
    @functools.wraps(command)
    def wrapper(
        ctx: click.Context, quiet: bool, verbose: bool, json_output: bool, strict: bool, **kw: Any
    ) -> Any:
        reporter = Reporter(quiet, verbose, json_output, strict)
        ctx.meta["broadsheet.reporter"] = reporter
        ctx.obj = reporter
        with limits.memory_bound():
            return command(reporter=reporter, **kw)

    return wrapper


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="broadsheet")
def main() -> None:
    """Turn a series of newspaper installments (YAML + Markdown) into print-ready PDF.

    Exit codes: 0 ok, 1 content, layout or preflight error (or a warning under
    --strict), 2 usage error, 3 internal error, 130 interrupted.
    """


def run() -> None:
    """The console script: ``main`` run as a process of its own, which leaves
    without the interpreter's teardown. Freeing a laid-out document's objects and
    every module one by one took 0.1–0.3 s of a 1.6 s build and changes nothing
    on disk; what does matter still runs: atexit handlers (logging, temporary
    folders, the process pool) and the buffered output."""
    from broadsheet import jobs

    jobs.ONE_COMMAND_PROCESS = True
    try:
        main(prog_name="broadsheet")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)


def _numbers(ctx: click.Context, param: click.Parameter, value: str | None) -> set[int] | None:
    if value is None:
        return None
    from broadsheet.jobs.plan import parse_numbers

    try:
        return parse_numbers(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _variants(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


INSTALLMENT_OPTION = click.option(
    "--installment",
    "numbers",
    callback=_numbers,
    metavar="LIST",
    help="Installment numbers to take, e.g. 2,5-7 (default: all).",
)
VARIANT_OPTION = click.option(
    "--variant",
    "variants",
    callback=_variants,
    metavar="LIST",
    help="Variants to take, e.g. print,screen (default: all the series declares).",
)


def _limits(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    try:
        from_environment = limits.from_environment()
    except ValueError as exc:
        raise click.UsageError(f"${limits.ENVIRONMENT}: {exc}") from None
    try:
        limits.set_active(from_environment.parse(list(value)))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


LIMIT_OPTION = click.option(
    "--limit",
    multiple=True,
    callback=_limits,
    expose_value=False,
    metavar="NAME=N",
    help=(
        "Raise a bound: content-bytes (a content file, default 1 MiB), pages (one "
        "job, 100), pixels (one image, 64000000), seconds (one job, 300), memory (MiB "
        "of one process, 4096). Repeatable; "
        f"also ${limits.ENVIRONMENT}."
    ),
)
JOBS_OPTION = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="number of cores",
    help="Builds run at once, each in its own process.",
)
SCHEDULER_OPTION = click.option(
    "--scheduler",
    envvar="BROADSHEET_SCHEDULER",
    metavar="tcp://HOST:PORT",
    help=(
        "Run the jobs on the Dask cluster of this scheduler (pip install "
        "'broadsheet[cluster]'); --jobs is then how many are in flight (default: twice "
        "the cluster's threads). Also $BROADSHEET_SCHEDULER."
    ),
)


def in_flight(jobs: int, scheduler: str | None) -> int:
    """``--jobs`` as given; on a cluster without ``--jobs``, 0: as many as keep it busy."""
    source = click.get_current_context().get_parameter_source("jobs")
    if scheduler and source is click.core.ParameterSource.DEFAULT:
        return 0
    return jobs


@main.command()
@click.argument("path", type=PATH_ARG)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=(
        "Folder for OUTDIR/<series-id>/<NN>/<variant>.{html,pdf} "
        "(default: output/ beside the project's layouts/ folder, else ./output)."
    ),
)
@INSTALLMENT_OPTION
@VARIANT_OPTION
@JOBS_OPTION
@SCHEDULER_OPTION
@LIMIT_OPTION
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option(
    "--draft",
    is_flag=True,
    help=(
        "Write pages that do not fit anyway, overset marked (the fit stays an error), and "
        "screen and proof variants with placeholders not filled in yet, marked."
    ),
)
@click.option(
    "--draft-print",
    is_flag=True,
    help="With --draft, print and archive variants take placeholders too (a proof, not for press).",
)
@output_options
def build(
    reporter: Reporter,
    path: Path,
    outdir: Path | None,
    numbers: set[int] | None,
    variants: list[str] | None,
    jobs: int,
    scheduler: str | None,
    force: bool,
    draft: bool,
    draft_print: bool,
) -> None:
    """Build PATH: a series folder (every installment × variant) or one installment file."""
    start = time.perf_counter()
    if draft_print and not draft:
        raise click.UsageError("--draft-print goes with --draft")
    if outdir is None:
        from broadsheet.project import default_output

        outdir = default_output(path)
    if not (force or draft):
        from broadsheet.jobs.uptodate import unchanged_results

        # nothing changed since the last build of this command line: said from
        # file stats, before the schema, the templates or the engine are loaded
        unchanged = unchanged_results(outdir, path, numbers, variants)
        if unchanged is not None:
            _report_results(reporter, unchanged, start, outdir)
            return
    from broadsheet.doctor import harfbuzz_subset_installed
    from broadsheet.jobs.plan import plan
    from broadsheet.jobs.runner import load_failure_result
    from broadsheet.output import output_lock

    if not harfbuzz_subset_installed():
        message = (
            "HarfBuzz subset library missing, builds are ~40x slower; "
            "install it with: apt-get install libharfbuzz-subset0"
        )
        reporter.add([Diagnostic(None, message, level="warning")])
    planned, failures = plan(path, numbers, variants, draft)
    results = [load_failure_result(f) for f in failures]
    with output_lock(outdir) as recovered:
        if recovered:
            reporter.say(f"finished or removed {len(recovered)} file(s) an interrupted run left")
        workers = in_flight(jobs, scheduler or None)
        results += _with_progress(
            reporter,
            planned,
            "building",
            outdir,
            workers,
            force,
            draft,
            draft_print,
            scheduler or None,
        )
        _record_plan(outdir, path, numbers, variants, planned, results, draft)
    _report_results(reporter, results, start, outdir)


def _record_plan(
    outdir: Path,
    path: Path,
    numbers: set[int] | None,
    variants: list[str] | None,
    planned: list[Job],
    results: list[JobResult],
    draft: bool,
) -> None:
    """What the next build of this command line checks by file stats alone
    (jobs.uptodate), after a run whose every job succeeded. After a failure or a
    draft an earlier record stays: the inputs or outputs it names have changed,
    or it is still true."""
    from broadsheet.jobs import uptodate
    from broadsheet.jobs.targets import EditionTarget
    from broadsheet.output import write_atomically

    ok = {"built", "unchanged", "skipped"}
    if draft or not planned or any(r.status not in ok or not r.inputs for r in results):
        return
    record = uptodate.plan_record(outdir, path, numbers, variants)
    target = EditionTarget(outdir)
    try:
        outputs = [file for job in planned for file in target.output_files(job)]
        fonts = {family for r in results for family in r.fonts}
        data = uptodate.plan_record_data(
            [path, *(i for r in results for i in r.inputs)], outputs, fonts, results
        )
    except (OSError, ValueError, KeyError):
        return  # no record: the next build checks in full
    write_atomically({record: json.dumps(data, indent=1).encode()}, inside=outdir)


def _with_progress(
    reporter: Reporter,
    planned: list[Job],
    what: str,
    target: Any,
    workers: int,
    force: bool,
    draft: bool = False,
    draft_print: bool = False,
    scheduler: str | None = None,
) -> list[JobResult]:
    from broadsheet.jobs.runner import run_jobs

    shown = reporter.err.is_terminal and not (reporter.quiet or reporter.json_output)
    if not shown:
        return run_jobs(
            planned,
            target,
            workers,
            force,
            draft=draft,
            draft_print=draft_print,
            scheduler=scheduler,
        )
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    counts = {"running": 0, "failed": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]}, failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=reporter.err, transient=True) as bar:
        task = bar.add_task(what, total=len(planned), running=0, failed=0)

        def started(job: Job) -> None:
            counts["running"] += 1
            bar.update(task, running=counts["running"])

        def done(result: JobResult) -> None:
            if result.status != "skipped":
                counts["running"] = max(0, counts["running"] - 1)
            counts["failed"] += result.status == "failed"
            bar.update(task, advance=1, running=counts["running"], failed=counts["failed"])

        return run_jobs(
            planned,
            target,
            workers,
            force,
            on_start=started,
            on_done=done,
            draft=draft,
            draft_print=draft_print,
            scheduler=scheduler,
        )


def _report_results(
    reporter: Reporter, results: list[JobResult], start: float, outdir: Path
) -> None:
    for result in results:
        reporter.add(result.diagnostics)
        reporter.results.append(result.as_json())
        reporter.stages(result.name, result.stages)
    reporter.table(results_table(results, outdir))
    for result in results:
        if result.retried:
            stopped = ", ".join(result.retried)
            reporter.say(f"retried {result.name}: started on {stopped}, which stopped")
    failed = sum(r.status == "failed" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    reporter.say(
        f"built {len(results) - failed - skipped}, up to date {skipped}, failed {failed} "
        f"of {len(results)} in {time.perf_counter() - start:.2f}s "
        f"into {str(display_path(outdir)).rstrip('/')}/"
    )
    reporter.finish(failed=bool(failed))


# a job's name, series-id/NN/variant; an installment that did not load is named by its file
SLUG = "[a-z0-9][a-z0-9-]*"
JOB_NAME = re.compile(rf"(?P<series>{SLUG})/(?P<slug>\d+)/(?P<variant>{SLUG})")


def _pdf_shown(result: JobResult, outdir: Path) -> str:
    """Where a job's PDF is (or, failed, would be), relative to the working
    directory: OUTDIR/<series-id>/<NN>/<variant>.pdf, as pipeline.output_paths
    writes it (not imported: an up-to-date build loads no pipeline)."""
    if not (found := JOB_NAME.fullmatch(result.name)):
        return result.name
    pdf = outdir / found["series"] / found["slug"] / f"{found['variant']}.pdf"
    return str(display_path(pdf))


def results_table(results: list[JobResult], outdir: Path) -> Table:
    table = Table()
    # on a narrow terminal the path folds onto a second line rather than being cut
    table.add_column("output", overflow="fold")
    for heading in ("status", "pages", "size", "time"):
        table.add_column(heading)
    style = {"built": "green", "unchanged": "dim", "skipped": "dim", "ok": "green", "failed": "red"}
    for r in results:
        status = "up to date" if r.status == "skipped" else r.status
        # on a cluster: started on a worker that stopped, built on another
        status += ", retried" if r.retried else ""
        table.add_row(
            _pdf_shown(r, outdir),
            f"[{style[r.status]}]{status}[/]",
            str(r.pages) if r.pages else "",
            f"{r.size / 1024:.0f} KiB" if r.size else "",
            f"{r.seconds:.2f}s",
        )
    return table


def fit_table(fits: list[tuple[str, dict[str, Any]]]) -> Table:
    """One row per installment × variant: how the composed page fills its area
    (lines set / available, area used, the arrangement with the pictures' sizes)."""
    table = Table("output", "lines", "used", "arrangement", "fit", title="fit")
    for name, row in fits:
        fit = str(row["fit"])
        shown = "[green]ok[/]" if fit == "ok" else f"[red]{fit}[/]"
        arrangement = str(row["arrangement"])
        if row["figures"] != "—":
            arrangement += f" ({row['figures']})"
        arrangement += f"; leading {row['leading']}"
        table.add_row(name, str(row["lines"]), str(row["area used"]), arrangement, shown)
    return table


@main.command()
@click.argument("path", type=PATH_ARG)
@INSTALLMENT_OPTION
@VARIANT_OPTION
@LIMIT_OPTION
@output_options
def check(
    reporter: Reporter, path: Path, numbers: set[int] | None, variants: list[str] | None
) -> None:
    """Validate content and layout of PATH, laying out every variant, writing nothing."""
    from broadsheet.jobs.plan import plan
    from broadsheet.jobs.runner import check_job

    planned, failures = plan(path, numbers, variants)
    failed = bool(failures)
    fits: list[tuple[str, dict[str, Any]]] = []
    for failure in failures:
        reporter.add(failure.diagnostics)
    for job in planned:
        result = check_job(job)
        reporter.add(result.diagnostics)
        reporter.results.append(result.as_json())
        failed |= result.status == "failed"
        reporter.stages(result.name, result.stages)
        if result.status != "failed":
            reporter.say(f"ok {job.name}: {result.pages} page(s)")
        if result.fit:
            fits.append((job.name, result.fit))
    if fits:
        reporter.table(fit_table(fits))
    if reporter.errors:
        reporter.say(f"{reporter.errors} problem(s) found", error=True)
    reporter.finish(failed=failed)


@main.command()
@click.argument("path", type=PATH_ARG)
@click.option(
    "--installment",
    "number",
    type=click.IntRange(min=0),
    default=None,
    help="The installment to show first (default: the last one).",
)
@click.option("--variant", default=None, help="The variant to show first (default: the first).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port on 127.0.0.1 (default: a free one).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@LIMIT_OPTION
@output_options
def preview(
    reporter: Reporter,
    path: Path,
    number: int | None,
    variant: str | None,
    port: int,
    open_browser: bool,
) -> None:
    """Serve PATH's page on 127.0.0.1, rebuilt and reloaded as its files change (Ctrl-C stops).

    The page is set as `build --draft` sets it (overset and placeholders
    marked), shown as images with the fit table, the errors and warnings, and
    a link to the PDF; every other installment and variant is a link away.
    An edit that breaks the page shows its errors above the last good page.
    Nothing is written to the output folder.
    """
    from broadsheet.content.series_files import installment_paths
    from broadsheet.preview.server import serve

    installment_paths(path)  # not a series or an installment: said here, not in a browser

    def ready(url: str) -> None:
        # one line, flushed: a script (or the tests) reads the URL from it
        if reporter.json_output:
            click.echo(json.dumps({"url": url}))
        else:
            click.echo(f"preview of {display_path(path)} at {url} (Ctrl-C stops)")
        sys.stdout.flush()
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        serve(path, number, variant, port, ready)
    except KeyboardInterrupt:
        reporter.say("preview stopped")
    reporter.finish()


@main.command()
@click.argument("path", type=PATH_ARG)
@INSTALLMENT_OPTION
@VARIANT_OPTION
@output_options
def config(
    reporter: Reporter, path: Path, numbers: set[int] | None, variants: list[str] | None
) -> None:
    """Print the effective settings of each installment × variant, and where each comes from."""
    from broadsheet.content import load_edition
    from broadsheet.jobs.plan import plan
    from broadsheet.page.variants import resolve_variant
    from broadsheet.project import find_project

    planned, failures = plan(path, numbers, variants)
    if failures:
        # settings of a file that does not load would be a guess: its errors instead
        raise BroadsheetError([d for f in failures for d in f.diagnostics])
    for index, job in enumerate(planned):
        edition = load_edition(job.installment)
        layouts_dir = find_project(job.installment).layouts_dir
        _, settings = resolve_variant(edition, job.variant, layouts_dir)
        # a nested setting (composition) shows as the JSON its YAML would be
        described = [
            (n, v.model_dump(mode="json") if hasattr(v, "model_dump") else v, o)
            for n, v, o in settings.describe()
        ]
        reporter.results += [
            {"output": job.name, "setting": n, "value": v, "origin": str(o)}
            for n, v, o in described
        ]
        rows = [(n, json.dumps(v, ensure_ascii=False), str(o)) for n, v, o in described]
        if index:
            reporter.say("", essential=True)  # a blank line between blocks
        heading = f"# {display_path(job.installment)}, variant {job.variant}"
        reporter.say(heading, essential=True)
        # the origins line up, but a long value (the composition's JSON) only
        # pushes its own origin out, not every line's
        short = [len(f"{n} = {v}") for n, v, _ in rows if len(f"{n} = {v}") <= CONFIG_ALIGN]
        width = max(short, default=0)
        for name, value, origin in rows:
            # one setting a line, never wrapped: `name = value  # file:line`
            reporter.say(f"{f'{name} = {value}':<{width}}  # {origin}", essential=True)
    reporter.finish()


CONFIG_ALIGN = 60  # the widest setting the origins are lined up after


DATE_OPTION = click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The installment's date (default: today).",
)


def _next_step(reporter: Reporter, wrote: str, folder: Path) -> None:
    """What was written and what to do next, in one line that a pipe never
    wraps, the command whole so it can be copied as it is."""
    from broadsheet.content.placeholders import PLACEHOLDER

    command = shlex.join(["broadsheet", "check", str(display_path(folder))])
    reporter.say(f"wrote {wrote}: fill in every {PLACEHOLDER}, then run {command}")


@main.command()
@click.argument("series", type=click.Path(exists=True, file_okay=False, path_type=Path))
@DATE_OPTION
@output_options
def new(reporter: Reporter, series: Path, date: datetime.datetime | None) -> None:
    """Create the next installment of SERIES, with placeholders `check` flags until filled."""
    from broadsheet.content.series_files import new_installment

    path = new_installment(series, (date or datetime.datetime.now()).date())
    reporter.results.append({"written": str(path)})
    _next_step(reporter, str(display_path(path)), series)
    reporter.finish()


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--layout",
    default="newspaper",
    show_default=True,
    help="The layout the series is set in: a folder under the project's layouts/.",
)
@DATE_OPTION
@output_options
def init(reporter: Reporter, folder: Path, layout: str, date: datetime.datetime | None) -> None:
    """Start a series in FOLDER: series.yaml, every key explained, and 01.md, with placeholders."""
    from broadsheet.project import find_project
    from broadsheet.starter import start_series

    layouts_dir = find_project(folder).layouts_dir
    written = start_series(folder, layout, layouts_dir, (date or datetime.datetime.now()).date())
    reporter.results += [{"written": str(path)} for path in written]
    _next_step(reporter, " and ".join(str(display_path(p)) for p in written), folder)
    reporter.finish()


@main.command()
@click.argument(
    "pdfs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@output_options
def preflight(reporter: Reporter, pdfs: tuple[Path, ...]) -> None:
    """Check print PDFs: PDF/X and output intent, fonts, CMYK only, boxes, qpdf --check."""
    from broadsheet.pdf.preflight import preflight as check_pdf

    for pdf in pdfs:
        findings = check_pdf(pdf)
        reporter.add(Diagnostic(pdf, f.message, level=f.level) for f in findings)
        reporter.results.append({"pdf": str(pdf), "ok": not findings})
        if not findings:
            reporter.say(f"{display_path(pdf)}: ok")
    reporter.finish()


@main.command()
@click.option(
    "--layouts",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Layouts folder to read the needed fonts from (default: the project's).",
)
@output_options
def doctor(reporter: Reporter, layouts: Path | None) -> None:
    """Report Python, WeasyPrint, Pango, HarfBuzz subset and the fonts layouts need."""
    from broadsheet.doctor import run_checks
    from broadsheet.project import find_project

    layouts_dir = layouts or find_project(Path.cwd()).layouts_dir
    checks = run_checks(layouts_dir)
    table = Table("check", "status", "detail")
    for c in checks:
        table.add_row(c.name, "[green]ok[/]" if c.ok else f"[red]{c.failed_as}[/]", c.detail)
        reporter.results.append({"check": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix})
    reporter.table(table)
    fixes = list(dict.fromkeys(c.fix for c in checks if not c.ok and c.fix))
    for fix in fixes:
        # one command a line, unwrapped, so it can be copied as it is
        reporter.say(f"to fix: {fix}")
    reporter.finish(failed=not all(c.ok for c in checks))


# The archive commands live in their own module; importing it registers them.
from broadsheet.cli import archive_commands  # noqa: E402, F401
