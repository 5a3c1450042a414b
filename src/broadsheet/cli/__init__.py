"""The `broadsheet` command: build, check and doctor."""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from broadsheet import __version__
from broadsheet.content import load_edition
from broadsheet.content.placeholders import PLACEHOLDER
from broadsheet.content.series_files import find_installment, new_installment
from broadsheet.diagnostics import EXIT_CONTENT, BroadsheetError, display_path
from broadsheet.doctor import harfbuzz_subset_installed, run_checks
from broadsheet.jobs.runner import Job, JobResult, parse_numbers, plan, run_jobs
from broadsheet.page.variants import resolve_variant
from broadsheet.pipeline import DEFAULT_VARIANT, check_installment
from broadsheet.project import find_project
from broadsheet.text.notes import normalisation_notes

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

PATH_ARG = click.Path(exists=True, path_type=Path)


def report(error: BroadsheetError) -> None:
    for diagnostic in error.diagnostics:
        err.print(f"[bold red]error[/]: {diagnostic}", soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="broadsheet")
def main() -> None:
    """Turn a series of newspaper installments (YAML + Markdown) into print-ready PDF.

    Exit codes: 0 ok, 1 content or layout error, 2 usage error.
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
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="number of cores",
    help="Builds run at once, each in its own process.",
)
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
def build(
    path: Path,
    outdir: Path,
    numbers: set[int] | None,
    variants: list[str] | None,
    jobs: int,
    force: bool,
) -> None:
    """Build PATH: a series folder (every installment × variant) or one installment file."""
    if not harfbuzz_subset_installed():
        err.print(
            "[yellow]warning[/]: HarfBuzz subset library missing, builds are ~40x slower; "
            "install it with: apt-get install libharfbuzz-subset0"
        )
    start = time.perf_counter()
    try:
        planned, failures = plan(path, numbers, variants)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    results = run_with_progress(planned, outdir, jobs, force)
    results = failures + results
    for result in results:
        for line in result.errors:
            err.print(f"[bold red]error[/]: {line}", soft_wrap=True)
        for warning in result.warnings:
            err.print(f"[yellow]warning[/]: {result.name}: {warning}", soft_wrap=True)
    out.print(results_table(results))
    failed = sum(r.status == "failed" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    out.print(
        f"built {len(results) - failed - skipped}, up to date {skipped}, failed {failed} "
        f"of {len(results)} in {time.perf_counter() - start:.2f}s"
    )
    if failed:
        sys.exit(EXIT_CONTENT)


def run_with_progress(
    planned: list[Job], outdir: Path, workers: int, force: bool
) -> list[JobResult]:
    counts = {"running": 0, "failed": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]}, failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("building", total=len(planned), running=0, failed=0)

        def started(job: Job) -> None:
            counts["running"] += 1
            bar.update(task, running=counts["running"])

        def done(result: JobResult) -> None:
            if result.status != "skipped":
                counts["running"] -= 1
            counts["failed"] += result.status == "failed"
            bar.update(task, advance=1, running=counts["running"], failed=counts["failed"])

        return run_jobs(planned, outdir, workers, force, on_start=started, on_done=done)


def results_table(results: list[JobResult]) -> Table:
    table = Table("output", "status", "pages", "size", "time")
    style = {"built": "green", "skipped": "dim", "failed": "red"}
    for r in results:
        table.add_row(
            r.name,
            f"[{style[r.status]}]{'up to date' if r.status == 'skipped' else r.status}[/]",
            str(r.pages) if r.pages else "",
            f"{r.size / 1024:.0f} KiB" if r.size else "",
            f"{r.seconds:.2f}s",
        )
    return table


@main.command()
@click.argument("path", type=PATH_ARG)
@INSTALLMENT_OPTION
@VARIANT_OPTION
def check(path: Path, numbers: set[int] | None, variants: list[str] | None) -> None:
    """Validate content and layout of PATH, laying out every variant, writing nothing."""
    problems = 0
    try:
        planned, failures = plan(path, numbers, variants)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    for failure in failures:
        for line in failure.errors:
            err.print(f"[bold red]error[/]: {line}", soft_wrap=True)
        problems += len(failure.errors)
    noted: set[Path] = set()
    for job in planned:
        try:
            built = check_installment(job.installment, job.variant)
        except BroadsheetError as exc:
            report(exc)
            problems += len(exc.diagnostics)
            continue
        for warning in built.warnings:
            err.print(f"[yellow]warning[/]: {job.name}: {warning}", soft_wrap=True)
        if job.installment not in noted:
            noted.add(job.installment)
            for note in normalisation_notes(built.edition):
                out.print(f"note: {note}", soft_wrap=True)
        out.print(f"ok {job.name}: {built.pages} page(s)")
    if problems:
        err.print(f"{problems} problem(s) found")
        sys.exit(EXIT_CONTENT)


@main.command()
@click.argument("path", type=PATH_ARG)
@click.option("--installment", "number", type=int, help="Installment number (for a series folder).")
@click.option("--variant", default=DEFAULT_VARIANT, show_default=True, help="Variant name.")
def config(path: Path, number: int | None, variant: str) -> None:
    """Print the effective settings of one installment and variant, and where each comes from."""
    try:
        installment = find_installment(path, number)
        edition = load_edition(installment)
        _, settings = resolve_variant(edition, variant, find_project(installment).layouts_dir)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    out.print(f"# {display_path(installment)}, variant {variant}")
    rows = [(n, json.dumps(v, ensure_ascii=False), str(o)) for n, v, o in settings.describe()]
    width = max(len(f"{n} = {v}") for n, v, _ in rows)
    for name, value, origin in rows:
        # one setting a line, never wrapped: `name = value  # file:line`
        out.print(f"{f'{name} = {value}':<{width}}  # {origin}", soft_wrap=True)


@main.command()
@click.argument("series", type=click.Path(exists=True, file_okay=False, path_type=Path))
def new(series: Path) -> None:
    """Create the next installment of SERIES, with placeholders `check` flags until filled."""
    try:
        path = new_installment(series, datetime.date.today())
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    out.print(f"wrote {display_path(path)}: fill in every {PLACEHOLDER}, then run broadsheet check")


@main.command()
@click.argument(
    "pdfs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def preflight(pdfs: tuple[Path, ...]) -> None:
    """Check print PDFs: PDF/X and output intent, fonts, CMYK only, boxes, qpdf --check."""
    from broadsheet.pdf.preflight import preflight as check_pdf

    errors = 0
    for pdf in pdfs:
        findings = check_pdf(pdf)
        for finding in findings:
            stream = err if finding.level == "error" else out
            stream.print(f"{display_path(pdf)}: {finding}", soft_wrap=True)
        errors += sum(f.level == "error" for f in findings)
        if not findings:
            out.print(f"{display_path(pdf)}: ok", soft_wrap=True)
    if errors:
        sys.exit(EXIT_CONTENT)


class _ArchiveGroup(click.Group):
    """`archive SERIES --to DIR` builds; `archive verify DIR` checks."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["series", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_ArchiveGroup)
def archive() -> None:
    """Archive a series as PDF/A-3 with its sources, or verify an archive.

    \b
    broadsheet archive SERIES --to DIR [--replace]
    broadsheet archive verify DIR
    """


@archive.command("series")
@click.argument("series", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "dest", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite archived editions whose bytes differ.")
def archive_build(series: Path, dest: Path, replace: bool) -> None:
    """Build the archive variant of every installment into DIR, with manifest and catalog."""
    from broadsheet.archive import archive_series

    try:
        report = archive_series(series, dest, replace)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    for name in report.archived:
        out.print(f"archived {name}")
    for name in report.unchanged:
        out.print(f"unchanged {name}")
    for line in report.errors:
        err.print(f"[bold red]error[/]: {line}", soft_wrap=True)
    if report.errors:
        sys.exit(EXIT_CONTENT)


@archive.command("verify")
@click.argument("dest", type=click.Path(exists=True, file_okay=False, path_type=Path))
def archive_verify(dest: Path) -> None:
    """Re-hash every file of an archive against its manifest."""
    from broadsheet.archive import verify_archive

    try:
        problems = verify_archive(dest)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    for problem in problems:
        err.print(f"{display_path(dest)}: {problem}", soft_wrap=True)
    if problems:
        sys.exit(EXIT_CONTENT)
    out.print(f"{display_path(dest)}: every file matches the manifest")


@main.command()
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "dest", required=True, type=click.Path(file_okay=False, path_type=Path))
def extract(pdf: Path, dest: Path) -> None:
    """Write the sources attached to an archived PDF into DIR."""
    from broadsheet.pdf.archival import extract_sources

    try:
        written = extract_sources(pdf, dest)
    except ValueError as exc:
        err.print(f"[bold red]error[/]: {display_path(pdf)}: {exc}")
        sys.exit(EXIT_CONTENT)
    for path in written:
        out.print(f"wrote {display_path(path)}")
    if not written:
        err.print(f"{display_path(pdf)}: no attached sources")
        sys.exit(EXIT_CONTENT)


@main.command()
@click.option(
    "--layouts",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Layouts folder to read the needed fonts from (default: the project's).",
)
def doctor(layouts: Path | None) -> None:
    """Report Python, WeasyPrint, Pango, HarfBuzz subset and the fonts layouts need."""
    layouts_dir = layouts or find_project(Path.cwd()).layouts_dir
    checks = run_checks(layouts_dir)
    table = Table("check", "status", "detail")
    for c in checks:
        table.add_row(c.name, "[green]ok[/]" if c.ok else "[red]missing[/]", c.detail)
    out.print(table)
    fixes = list(dict.fromkeys(c.fix for c in checks if not c.ok and c.fix))
    for fix in fixes:
        # one command a line, unwrapped, so it can be copied as it is
        out.print(f"to fix: {fix}", soft_wrap=True)
    if not all(c.ok for c in checks):
        sys.exit(EXIT_CONTENT)
