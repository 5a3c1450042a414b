"""Diagnostics and results to the terminal or as JSON, and the one place exit codes are made."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from broadsheet.diagnostics import EXIT_CONTENT, EXIT_OK, Diagnostic

STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}


@dataclass
class Reporter:
    """Collects what a command found and says it once.

    ``quiet`` keeps errors and warnings only; ``verbose`` adds each job's stage
    times; ``json_output`` prints one JSON document on stdout at the end
    instead of text; ``strict`` makes warnings fail the run (exit 1).
    """

    quiet: bool = False
    verbose: bool = False
    json_output: bool = False
    strict: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    _seen: set[tuple] = field(default_factory=set)
    _subjects: dict[tuple, list[str]] = field(default_factory=dict)
    _pending: list[tuple] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Consoles look up sys.stdout/sys.stderr when they write (click's test
        # runner swaps them).
        self.out = Console(highlight=False)
        self.err = Console(stderr=True, highlight=False)

    def add(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Record diagnostics, shown at the next table, verdict or ``flush``. The
        same finding made by several outputs (variants of one installment) is
        one finding, said once with every output it concerns."""
        for diagnostic in diagnostics:
            key = (
                diagnostic.level,
                str(diagnostic.path),
                diagnostic.line,
                diagnostic.column,
                diagnostic.field,
                diagnostic.message,
            )
            subjects = self._subjects.setdefault(key, [])
            if diagnostic.subject and diagnostic.subject not in subjects:
                subjects.append(diagnostic.subject)
            if key in self._seen:
                continue
            self._seen.add(key)
            self.diagnostics.append(diagnostic)
            self._pending.append(key)

    def flush(self) -> None:
        """Show the diagnostics recorded since the last flush."""
        shown = {key: d for d in self.diagnostics if (key := self._key(d)) in self._pending}
        for key in self._pending:
            self._show(shown[key], self._subjects.get(key, []))
        self._pending.clear()

    @staticmethod
    def _key(d: Diagnostic) -> tuple:
        return (d.level, str(d.path), d.line, d.column, d.field, d.message)

    def subjects(self, d: Diagnostic) -> list[str]:
        return self._subjects.get(self._key(d), [])

    def _show(self, d: Diagnostic, subjects: list[str]) -> None:
        if self.json_output or (self.quiet and d.level == "note"):
            return
        stream = self.out if d.level == "note" else self.err
        subject = f"{outputs(subjects)}: " if subjects and d.level != "note" else ""
        label = d.level if d.level == "note" else f"[{STYLE[d.level]}]{d.level}[/]"
        stream.print(f"{label}: {escape(subject + str(d))}", soft_wrap=True)

    def say(self, text: str, *, error: bool = False, essential: bool = False) -> None:
        """A line for people (suppressed by --json, and by --quiet unless it is
        an error or the command's very answer)."""
        if error:
            self.flush()  # a verdict follows the findings it sums up
        if self.json_output or (self.quiet and not (error or essential)):
            return
        (self.err if error else self.out).print(escape(text), soft_wrap=True)

    def stages(self, name: str, stages: dict[str, float]) -> None:
        if self.verbose and stages:
            self.say(f"{name}: " + ", ".join(f"{k} {v:.3f}s" for k, v in stages.items()))

    def table(self, table: Table) -> None:
        self.flush()
        if self.json_output or self.quiet:
            return
        if self.out.is_terminal:
            self.out.print(table)
            return
        # into a pipe or a file a row stays one line, however long its paths:
        # squeezed into 80 columns, a path would be cut or folded (rich's print
        # cannot be wider than its console, hence one of the table's width)
        wide = self.out.options.update_width(10_000)
        width = max(self.out.width, Measurement.get(self.out, wide, table).maximum)
        Console(highlight=False, width=width).print(table)

    @property
    def errors(self) -> int:
        return sum(d.level == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level == "warning" for d in self.diagnostics)

    def exit_code(self, failed: bool = False) -> int:
        if failed or self.errors or (self.strict and self.warnings):
            return EXIT_CONTENT
        return EXIT_OK

    def finish(self, failed: bool = False, code: int | None = None) -> NoReturn:
        """Say the verdict and leave with its exit code: errors (or, with
        --strict, warnings) give 1."""
        code = self.exit_code(failed) if code is None else code
        self.flush()
        if self.strict and self.warnings and not self.errors and not self.json_output:
            self.err.print(f"{self.warnings} warning(s), failing under --strict")
        if self.json_output:
            document = {
                "exit_code": code,
                "errors": self.errors,
                "warnings": self.warnings,
                "diagnostics": [
                    {**d.as_json(), "outputs": self.subjects(d)} for d in self.diagnostics
                ],
                "results": self.results,
            }
            sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
            sys.stdout.flush()
        sys.exit(code)


def outputs(subjects: list[str]) -> str:
    """Outputs named once each: ``s/02/print, tabloid; s/03/print``."""
    by_edition: dict[str, list[str]] = {}
    for subject in subjects:
        edition, _, variant = subject.rpartition("/")
        by_edition.setdefault(edition, []).append(variant)
    return "; ".join(
        f"{edition}/{', '.join(variants)}" if edition else ", ".join(variants)
        for edition, variants in by_edition.items()
    )
