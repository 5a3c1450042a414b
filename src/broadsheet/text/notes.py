"""What the text stage would change in the sources, as path:line:col notes."""

from __future__ import annotations

from pathlib import Path

from broadsheet.content import Edition
from broadsheet.content.yamlsource import SourceMap
from broadsheet.diagnostics import Diagnostic
from broadsheet.text.markdown import make_parser
from broadsheet.text.normalise import changes, normalise_text

SERIES_TEXT_FIELDS = ("title", "label", "slogan")
INSTALLMENT_TEXT_FIELDS = (
    ("headline",),
    ("subhead",),
    ("standfirst",),
    ("editors_note",),
    ("pull_quote",),
    ("advertisement", "text"),
)


def normalisation_notes(edition: Edition) -> list[Diagnostic]:
    """Every edit normalisation makes at build time, located in its source file."""
    notes: list[Diagnostic] = []
    series_lines = edition.series_path.read_text(encoding="utf-8").splitlines()
    for name in SERIES_TEXT_FIELDS:
        value = getattr(edition.series, name)
        notes += _field_notes(
            edition.series_path, series_lines, edition.series_source, (name,), value
        )
    path = edition.installment_path
    lines = path.read_text(encoding="utf-8").splitlines()
    item = edition.installment
    for loc in INSTALLMENT_TEXT_FIELDS:
        value = item
        for part in loc:
            value = getattr(value, part, None) if value is not None else None
        notes += _field_notes(path, lines, edition.installment_source, loc, value)
    notes += _body_notes(path, lines, edition.body, edition.body_first_line)
    return notes


def _field_notes(
    path: Path, lines: list[str], source: SourceMap, loc: tuple[str, ...], value: object
) -> list[Diagnostic]:
    if not isinstance(value, str) or not value:
        return []
    start = source.line_of(loc) - 1
    return _locate(path, lines, value, start, ".".join(loc))


def _body_notes(path: Path, lines: list[str], body: str, first_line: int) -> list[Diagnostic]:
    notes = []
    for token in make_parser().parse(body):
        if token.type == "inline" and token.map:
            start = first_line - 1 + token.map[0]
            notes += _locate(path, lines, token.content, start, "body")
    return notes


def _locate(path: Path, lines: list[str], text: str, start: int, field: str) -> list[Diagnostic]:
    """Normalise ``text`` as the build does and place each change in the file.

    Each line of ``text`` is looked up in the file from ``start`` on; a line
    not found as written (a folded YAML scalar) places no notes.
    """
    places: list[tuple[int, int] | None] = []
    position = start
    for part in text.split("\n"):
        place = None
        if part.strip():
            for index in range(position, len(lines)):
                column = lines[index].find(part)
                if column >= 0:
                    place, position = (index, column), index
                    break
        places.append(place)
    starts = [0]
    for part in text.split("\n"):
        starts.append(starts[-1] + len(part) + 1)
    notes = []
    for change in changes(text, normalise_text(text)):
        offset = change.column - 1
        line_index = max(i for i, s in enumerate(starts[:-1]) if s <= offset)
        place = places[line_index]
        if place is None:
            continue
        line, column = place
        notes.append(
            Diagnostic(
                path,
                f"{change.old!r} → {change.new!r}",
                line=line + 1,
                field=field,
                column=column + offset - starts[line_index] + 1,
            )
        )
    return notes
