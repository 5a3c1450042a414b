"""Diagnostics that name file, line and field, and the errors that carry them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

EXIT_OK = 0
EXIT_CONTENT = 1  # content, layout or build error
EXIT_USAGE = 2  # bad command line (click's own code for usage errors)
EXIT_INTERNAL = 3  # a bug in broadsheet: said in one line, the traceback with -v
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

Level = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding about an input file: where it is and what is wrong.

    ``level`` says what it does to a run: an error fails it, a warning fails it
    only under ``--strict``, a note (what normalisation changes) never does.
    ``subject`` names the output concerned (``series/02/print``) where the
    finding belongs to one variant rather than to the file.
    """

    path: Path | str | None
    message: str
    line: int | None = None
    field: str | None = None
    column: int | None = None
    level: Level = "error"
    subject: str | None = None

    def location(self) -> str:
        if self.path is None:
            return ""
        where = str(display_path(self.path))
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        parts = [p for p in (self.location(), self.field) if p]
        return ": ".join([*parts, self.message])

    def as_json(self) -> dict[str, Any]:
        path = None if self.path is None else str(display_path(self.path))
        return {
            "level": self.level,
            "path": path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "subject": self.subject,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, found: dict[str, Any]) -> Diagnostic:
        """A diagnostic as ``as_json`` wrote it (a build record's warnings)."""
        return cls(
            found["path"],
            found["message"],
            found.get("line"),
            found.get("field"),
            found.get("column"),
            level=found.get("level") or "warning",
            subject=found.get("subject"),
        )


def warning(path: Path | str | None, message: str, **where: Any) -> Diagnostic:
    return Diagnostic(path, message, level="warning", **where)


def display_path(path: Path | str) -> Path | str:
    """A path relative to the working directory when it lies below it."""
    if isinstance(path, str):
        return path
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


class BroadsheetError(Exception):
    """An error the user can fix in their files; carries every diagnostic found."""

    exit_code = EXIT_CONTENT

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ContentError(BroadsheetError):
    """The content files are malformed or do not match the schema."""


class LayoutError(BroadsheetError):
    """A layout's templates, stylesheet or configuration are broken."""


class PageOverflowError(BroadsheetError):
    """Laid-out content does not fit where the layout put it."""


class ResourceError(BroadsheetError):
    """Content or layout asked for a file or URL it may not have, or that is missing."""


class PrintError(BroadsheetError):
    """A print PDF fails preflight (PDF/X identification, colour, fonts, boxes)."""
