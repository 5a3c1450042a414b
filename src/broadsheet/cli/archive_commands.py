"""`broadsheet archive` (build, verify, keygen) and `broadsheet extract`."""

from __future__ import annotations

import time
from pathlib import Path

import click

from broadsheet.cli import (
    JOBS_OPTION,
    LIMIT_OPTION,
    SCHEDULER_OPTION,
    in_flight,
    main,
    output_options,
)
from broadsheet.cli.report import Reporter
from broadsheet.diagnostics import Diagnostic, display_path


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
    broadsheet archive SERIES --to DIR [--replace] [--jobs N] [--key KEY.pem] [--scheduler ADDR]
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
@SCHEDULER_OPTION
@LIMIT_OPTION
@output_options
def archive_build(
    reporter: Reporter,
    series: Path,
    dest: Path,
    replace: bool,
    key_file: Path | None,
    jobs: int,
    scheduler: str | None,
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
    workers = in_flight(jobs, scheduler or None)
    result = archive_series(
        series, dest, replace, workers, signing_key=key, scheduler=scheduler or None
    )
    for name in result.archived:
        reporter.say(f"archived {name}")
    for job in result.results:
        if job.retried:
            reporter.say(f"retried {job.name}: started on {', '.join(job.retried)}, which stopped")
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
