"""The `broadsheet` command: build, check and doctor."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from broadsheet import __version__
from broadsheet.build import build_installment, check_installment, installment_paths
from broadsheet.doctor import harfbuzz_subset_available, run_checks
from broadsheet.errors import EXIT_CONTENT, BroadsheetError, display_path
from broadsheet.lint import normalisation_notes
from broadsheet.project import find_project

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


@main.command()
@click.argument("path", type=PATH_ARG)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for OUTDIR/<series-id>/<NN>/print.{html,pdf}.",
)
def build(path: Path, outdir: Path) -> None:
    """Build PATH: a series folder (every installment) or one installment file."""
    if not harfbuzz_subset_available():
        err.print(
            "[yellow]warning[/]: HarfBuzz subset library missing, builds are ~40x slower; "
            "install it with: apt-get install libharfbuzz-subset0"
        )
    start = time.perf_counter()
    failed = 0
    try:
        paths = installment_paths(path)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    for installment in paths:
        try:
            built = build_installment(installment, outdir)
        except BroadsheetError as exc:
            report(exc)
            failed += 1
            continue
        for warning in built.warnings:
            err.print(f"[yellow]warning[/]: {display_path(installment)}: {warning}")
        for written in built.written:
            out.print(f"wrote {display_path(written)}")
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in built.timings.stages.items())
        out.print(
            f"  {built.pages} page(s), {len(built.pdf) / 1024:.0f} KiB, "
            f"{built.timings.total:.2f}s ({stages})"
        )
    total = time.perf_counter() - start
    built_count = len(paths) - failed
    out.print(f"built {built_count} of {len(paths)} installment(s) in {total:.2f}s")
    if failed:
        sys.exit(EXIT_CONTENT)


@main.command()
@click.argument("path", type=PATH_ARG)
def check(path: Path) -> None:
    """Validate content and layout of PATH, laying out the pages, writing nothing."""
    problems = 0
    try:
        paths = installment_paths(path)
    except BroadsheetError as exc:
        report(exc)
        sys.exit(exc.exit_code)
    for installment in paths:
        try:
            built = check_installment(installment)
        except BroadsheetError as exc:
            report(exc)
            problems += len(exc.diagnostics)
            continue
        for note in normalisation_notes(built.edition):
            out.print(f"note: {note}", soft_wrap=True)
        out.print(f"ok {display_path(installment)}: {built.pages} page(s)")
    if problems:
        err.print(f"{problems} problem(s) found")
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
