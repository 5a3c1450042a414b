"""Plan the jobs a command asks for: every (installment, variant) of a path, collisions refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from broadsheet.content import load_edition
from broadsheet.content.series_files import installment_paths
from broadsheet.diagnostics import BroadsheetError, ContentError, Diagnostic, display_path
from broadsheet.page.layouts import Layout
from broadsheet.page.variants import undefined_variants
from broadsheet.project import find_project


@dataclass(frozen=True)
class Job:
    """One output to make: an installment in one variant."""

    installment: Path
    variant: str
    series_id: str
    slug: str

    @property
    def name(self) -> str:
        return f"{self.series_id}/{self.slug}/{self.variant}"


@dataclass(frozen=True)
class LoadFailure:
    """An installment that could not be loaded, so none of its jobs can run."""

    name: str
    diagnostics: list[Diagnostic]


MAX_NUMBER = 9999  # the schema's bound on an installment number


def parse_numbers(text: str) -> set[int]:
    """'2,5-7' → {2, 5, 6, 7}."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if match := re.fullmatch(r"(\d+)-(\d+)", part):
            low, high = int(match[1]), int(match[2])
            if low > high:
                raise ValueError(f"empty range {part}")
            if high > MAX_NUMBER:
                raise ValueError(f"installment numbers go up to {MAX_NUMBER}: {part}")
            numbers.update(range(low, high + 1))
        elif part.isdigit():
            numbers.add(int(part))
        else:
            raise ValueError(f"not a number or range: {part!r}")
    return numbers


def plan(
    path: Path,
    numbers: set[int] | None = None,
    variants: list[str] | None = None,
    draft: bool = False,
) -> tuple[list[Job], list[LoadFailure]]:
    """The jobs PATH asks for, and the installments that failed to load.

    Two jobs that would write the same output are refused before anything is
    built. A ``draft`` plans installments with placeholders too (each job says
    whether its variant may carry them).
    """
    jobs: list[Job] = []
    failures: list[LoadFailure] = []
    declared: set[str] = set()
    found: set[int] = set()
    undefined: list[Diagnostic] = []
    loaded: dict[Path, Layout] = {}
    for installment in installment_paths(path):
        try:
            edition = load_edition(installment, [] if draft else None)
        except BroadsheetError as exc:
            failures.append(LoadFailure(str(display_path(installment)), exc.diagnostics))
            continue
        found.add(edition.installment.number)
        # the series file's variants, whichever were asked for: a variant the
        # layout does not define refuses the whole run, before anything is written
        for diagnostic in undefined_variants(
            edition, find_project(installment).layouts_dir, loaded
        ):
            if diagnostic not in undefined:
                undefined.append(diagnostic)
        if numbers is not None and edition.installment.number not in numbers:
            continue
        declared.update(edition.series.variants)
        for variant in edition.series.variants:
            if variants is None or variant in variants:
                jobs.append(Job(installment, variant, edition.series.id, edition.slug))
    if undefined:
        raise ContentError(undefined)
    unknown = sorted(set(variants or ()) - declared) if declared else []
    if unknown:
        raise ContentError(
            Diagnostic(
                path,
                f"no variant {', '.join(unknown)} in this series "
                f"(it has: {', '.join(sorted(declared))})",
            )
        )
    missing = sorted(set(numbers or ()) - found)
    if missing and not failures:
        # asking for an installment the series does not have is an error, not
        # an empty (and successful) run
        have = ", ".join(str(n) for n in sorted(found)) or "none"
        raise ContentError(
            Diagnostic(
                path,
                f"no installment {', '.join(map(str, missing))} in this series (it has: {have})",
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
