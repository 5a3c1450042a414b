"""Diagnostics and results to the terminal or as JSON, and the one place exit codes are made."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape
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

    def __post_init__(self) -> None:
        # Consoles look up sys.stdout/sys.stderr when they write (click's test
        # runner swaps them).
        self.out = Console(highlight=False)
        self.err = Console(stderr=True, highlight=False)

    def add(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Record and show diagnostics; the same finding made by several variants
        of one installment is said once."""
        for diagnostic in diagnostics:
            key = (
                diagnostic.level,
                str(diagnostic.path),
                diagnostic.line,
                diagnostic.column,
                diagnostic.field,
                diagnostic.message,
            )
            if key in self._seen:
                continue
            self._seen.add(key)
            self.diagnostics.append(diagnostic)
            self._show(diagnostic)

    def _show(self, d: Diagnostic) -> None:
        if self.json_output or (self.quiet and d.level == "note"):
            return
        stream = self.out if d.level == "note" else self.err
        subject = f"{d.subject}: " if d.subject and d.level == "warning" else ""
        label = d.level if d.level == "note" else f"[{STYLE[d.level]}]{d.level}[/]"
        stream.print(f"{label}: {escape(subject + str(d))}", soft_wrap=True)

    def say(self, text: str, *, error: bool = False, essential: bool = False) -> None:
        """A line for people (suppressed by --json, and by --quiet unless it is
        an error or the command's very answer)."""
        if self.json_output or (self.quiet and not (error or essential)):
            return
        (self.err if error else self.out).print(escape(text), soft_wrap=True)

    def stages(self, name: str, stages: dict[str, float]) -> None:
        if self.verbose and stages:
            self.say(f"{name}: " + ", ".join(f"{k} {v:.3f}s" for k, v in stages.items()))

    def table(self, table: Table) -> None:
        if not (self.json_output or self.quiet):
            self.out.print(table)

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
        if self.strict and self.warnings and not self.errors and not self.json_output:
            self.err.print(f"{self.warnings} warning(s), failing under --strict")
        if self.json_output:
            document = {
                "exit_code": code,
                "errors": self.errors,
                "warnings": self.warnings,
                "diagnostics": [d.as_json() for d in self.diagnostics],
                "results": self.results,
            }
            sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
            sys.stdout.flush()
        sys.exit(code)
