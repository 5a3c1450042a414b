"""The `broadsheet` command: each command calls its stage, errors become exit codes in one place."""

from __future__ import annotations

import datetime
import functools
import json
import os
import signal
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
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
from broadsheet.doctor import harfbuzz_subset_installed
from broadsheet.jobs.plan import Job, parse_numbers, plan
from broadsheet.jobs.runner import JobResult, check_job, load_failure_result, run_jobs
from broadsheet.output import output_lock

PATH_ARG = click.Path(exists=True, path_type=Path)
DEFAULT_VARIANT = "print"


class _Main(click.Group):
    """Turns every error of a command into diagnostics and an exit code: a user
    never sees a Python traceback (``-v`` shows it for an internal error)."""

    def invoke(self, ctx: click.Context) -> Any:
        # the command line as given: the group consumes it while invoking
        given = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
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
        except KeyboardInterrupt:
            # leaving: a second Ctrl-C waits for the verdict
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                reporter = _reporter(ctx)
                said = "interrupted: queued jobs cancelled, finished outputs kept"
                reporter.say(said, error=True)
                reporter.finish(code=EXIT_INTERRUPTED)
            finally:
                signal.signal(signal.SIGINT, previous)
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
        return command(reporter=reporter, **kw)

    return wrapper


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="broadsheet")
def main() -> None:
    """Turn a series of newspaper installments (YAML + Markdown) into print-ready PDF.

    Exit codes: 0 ok, 1 content, layout or preflight error (or a warning under
    --strict), 2 usage error, 3 internal error, 130 interrupted.
    """


def _numbers(ctx: click.Context, param: click.Parameter, value: str | None) -> set[int] | None:
    if value is None:
        return None
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
        limits.set_active(limits.from_environment().parse(list(value)))
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
        "job, 100), pixels (one image, 64000000), seconds (one job, 300). Repeatable; "
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


@main.command()
@click.argument("path", type=PATH_ARG)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for OUTDIR/<series-id>/<NN>/<variant>.{html,pdf}.",
)
@INSTALLMENT_OPTION
@VARIANT_OPTION
@JOBS_OPTION
@LIMIT_OPTION
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option(
    "--draft",
    is_flag=True,
    help="Write pages that do not fit anyway, overset marked (the fit stays an error).",
)
@output_options
def build(
    reporter: Reporter,
    path: Path,
    outdir: Path,
    numbers: set[int] | None,
    variants: list[str] | None,
    jobs: int,
    force: bool,
    draft: bool,
) -> None:
    """Build PATH: a series folder (every installment × variant) or one installment file."""
    if not harfbuzz_subset_installed():
        message = (
            "HarfBuzz subset library missing, builds are ~40x slower; "
            "install it with: apt-get install libharfbuzz-subset0"
        )
        reporter.add([Diagnostic(None, message, level="warning")])
    start = time.perf_counter()
    planned, failures = plan(path, numbers, variants)
    results = [load_failure_result(f) for f in failures]
    with output_lock(outdir) as recovered:
        if recovered:
            reporter.say(f"finished or removed {len(recovered)} file(s) an interrupted run left")
        results += _with_progress(reporter, planned, "building", outdir, jobs, force, draft)
    _report_results(reporter, results, start)


def _with_progress(
    reporter: Reporter,
    planned: list[Job],
    what: str,
    target: Any,
    workers: int,
    force: bool,
    draft: bool = False,
) -> list[JobResult]:
    counts = {"running": 0, "failed": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]}, failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    shown = reporter.err.is_terminal and not (reporter.quiet or reporter.json_output)
    with Progress(*columns, console=reporter.err, transient=True, disable=not shown) as bar:
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
            planned, target, workers, force, on_start=started, on_done=done, draft=draft
        )


def _report_results(reporter: Reporter, results: list[JobResult], start: float) -> None:
    for result in results:
        reporter.add(result.diagnostics)
        reporter.results.append(result.as_json())
        reporter.stages(result.name, result.stages)
    reporter.table(results_table(results))
    failed = sum(r.status == "failed" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    reporter.say(
        f"built {len(results) - failed - skipped}, up to date {skipped}, failed {failed} "
        f"of {len(results)} in {time.perf_counter() - start:.2f}s"
    )
    reporter.finish(failed=bool(failed))


def results_table(results: list[JobResult]) -> Table:
    table = Table("output", "status", "pages", "size", "time")
    style = {"built": "green", "unchanged": "dim", "skipped": "dim", "ok": "green", "failed": "red"}
    for r in results:
        table.add_row(
            r.name,
            f"[{style[r.status]}]{'up to date' if r.status == 'skipped' else r.status}[/]",
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
@click.option("--installment", "number", type=int, help="Installment number (for a series folder).")
@click.option("--variant", default=DEFAULT_VARIANT, show_default=True, help="Variant name.")
@output_options
def config(reporter: Reporter, path: Path, number: int | None, variant: str) -> None:
    """Print the effective settings of one installment and variant, and where each comes from."""
    from broadsheet.content import load_edition
    from broadsheet.content.series_files import find_installment
    from broadsheet.page.variants import resolve_variant
    from broadsheet.project import find_project

    installment = find_installment(path, number)
    edition = load_edition(installment)
    _, settings = resolve_variant(edition, variant, find_project(installment).layouts_dir)
    # a nested setting (composition) shows as the JSON its YAML would be
    described = [
        (n, v.model_dump(mode="json") if hasattr(v, "model_dump") else v, o)
        for n, v, o in settings.describe()
    ]
    reporter.results += [{"setting": n, "value": v, "origin": str(o)} for n, v, o in described]
    rows = [(n, json.dumps(v, ensure_ascii=False), str(o)) for n, v, o in described]
    reporter.say(f"# {display_path(installment)}, variant {variant}", essential=True)
    width = max(len(f"{n} = {v}") for n, v, _ in rows)
    for name, value, origin in rows:
        # one setting a line, never wrapped: `name = value  # file:line`
        reporter.say(f"{f'{name} = {value}':<{width}}  # {origin}", essential=True)
    reporter.finish()


@main.command()
@click.argument("series", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_options
def new(reporter: Reporter, series: Path) -> None:
    """Create the next installment of SERIES, with placeholders `check` flags until filled."""
    from broadsheet.content.placeholders import PLACEHOLDER
    from broadsheet.content.series_files import new_installment

    path = new_installment(series, datetime.date.today())
    reporter.results.append({"written": str(path)})
    reporter.say(
        f"wrote {display_path(path)}: fill in every {PLACEHOLDER}, then run broadsheet check"
    )
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


class _ArchiveGroup(click.Group):
    """`archive SERIES --to DIR` builds; `archive verify DIR` checks; `archive keygen` keys."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["series", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_ArchiveGroup)
def archive() -> None:
    """Archive a series as PDF/A-3 with its sources, verify an archive, or make a signing key.

    \b
    broadsheet archive SERIES --to DIR [--replace] [--jobs N] [--key KEY.pem]
    broadsheet archive verify DIR [--key PUB.pem]
    broadsheet archive keygen --to KEYDIR
    """


KEY_PATH = click.Path(path_type=Path)  # not exists=True: a missing key is exit 1 naming it


@archive.command("series")
@click.argument("series", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "dest", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite archived editions whose bytes differ.")
@click.option(
    "--key",
    "key_file",
    type=KEY_PATH,
    metavar="KEY.pem",
    help="Ed25519 private key (archive keygen): sign manifest.json as manifest.json.sig.",
)
@JOBS_OPTION
@LIMIT_OPTION
@output_options
def archive_build(
    reporter: Reporter, series: Path, dest: Path, replace: bool, key_file: Path | None, jobs: int
) -> None:
    """Build the archive variant of every installment into DIR, with manifest and catalog.

    Incremental: an installment whose archived edition is up to date is not laid out again.
    A signed archive is only extended with its key.
    """
    from broadsheet.archive import archive_series
    from broadsheet.archive_signing import fingerprint, load_signing_key

    key = None
    if key_file is not None:
        if key_file.resolve().is_relative_to(dest.resolve()):
            # the manifest would list the private key, and the archive publish it
            message = "the private key lies inside the archive folder: keep it outside"
            reporter.add([Diagnostic(key_file, message)])
            reporter.finish()
        key = load_signing_key(key_file)
    start = time.perf_counter()
    result = archive_series(series, dest, replace, jobs, signing_key=key)
    for name in result.archived:
        reporter.say(f"archived {name}")
    for name in result.unchanged:
        reporter.say(f"unchanged {name}")
    for job in result.results:
        reporter.add(job.diagnostics)
        reporter.results.append(job.as_json())
        reporter.stages(job.name, job.stages)
    failed = any(r.status == "failed" for r in result.results)
    if key is not None:
        reporter.say(f"signed manifest.json with {fingerprint(key)}")
    reporter.say(
        f"{len(result.archived)} archived, {len(result.unchanged)} as before, "
        f"{sum(r.status == 'failed' for r in result.results)} failed "
        f"in {time.perf_counter() - start:.2f}s"
    )
    reporter.finish(failed=failed)


@archive.command("verify")
@click.argument("dest", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_file",
    type=KEY_PATH,
    metavar="PUB.pem",
    help="Public key (a private one works too): the signature must be there and good.",
)
@output_options
def archive_verify(reporter: Reporter, dest: Path, key_file: Path | None) -> None:
    """Check an archive: its manifest's hashes, every file's size and sha256, stray
    files (hidden ones too), symlinks, and with --key the manifest's signature.

    Each problem names the file inside DIR; any problem exits 1. Without --key an
    unsigned or unchecked signature is a note.
    """
    from broadsheet.archive_signing import load_verify_key
    from broadsheet.archive_verify import verify_archive

    key = load_verify_key(key_file) if key_file is not None else None
    found = verify_archive(dest, key)
    reporter.add(Diagnostic(dest, str(problem)) for problem in found.problems)
    reporter.results += [problem.as_json() for problem in found.problems]
    reporter.add(Diagnostic(dest, note, level="note") for note in found.notes)
    if not found.problems:
        reporter.say(f"{display_path(dest)}: every file matches the manifest")
    reporter.finish()


@archive.command("keygen")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path))
@output_options
def archive_keygen(reporter: Reporter, folder: Path) -> None:
    """Make an Ed25519 key pair for signing archives: DIR/archive-signing.pem (private,
    mode 0600, unencrypted: keep it off the archive) and DIR/archive-signing.pub.pem."""
    from broadsheet.archive_signing import fingerprint, generate_key_pair, load_verify_key

    private, public = generate_key_pair(folder)
    name = fingerprint(load_verify_key(public))
    reporter.results.append({"private": str(private), "public": str(public), "key": name})
    reporter.say(f"wrote {display_path(private)} (private, 0600) and {display_path(public)}")
    reporter.say(f"key {name}: sign with --key {display_path(private)}, verify with the .pub.pem")
    reporter.finish()


@main.command()
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "dest", required=True, type=click.Path(file_okay=False, path_type=Path))
@output_options
def extract(reporter: Reporter, pdf: Path, dest: Path) -> None:
    """Write the sources attached to an archived PDF into DIR."""
    from broadsheet.pdf.archival import extract_sources

    try:
        written = extract_sources(pdf, dest)
    except ValueError as exc:
        reporter.add([Diagnostic(pdf, str(exc))])
        reporter.finish()
    for path in written:
        reporter.say(f"wrote {display_path(path)}")
        reporter.results.append({"written": str(path)})
    if not written:
        reporter.add([Diagnostic(pdf, "no attached sources")])
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
