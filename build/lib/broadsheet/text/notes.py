"""What normalisation changes, as path:line:col notes, recorded while the build normalises.

The notes `check` prints are taken from the very calls that make the build's
text, so a change `check` announces is a change the PDF carries, and the
reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from broadsheet.diagnostics import Diagnostic
from broadsheet.text.normalise import changes, normalise_text


class NoteTaker:
    """Normalises texts as the build does and locates each change in its file."""

    def __init__(self) -> None:
        self.notes: list[Diagnostic] = []
        self._lines: dict[Path, list[str]] = {}

    def normaliser(self, path: Path, field: str) -> Callable[[str, int], str]:
        """``hook(text, line)``: ``text`` normalised; its changes noted from ``line`` on."""

        def hook(text: str, line: int) -> str:
            new = normalise_text(text)
            if new != text:
                self.notes += _locate(path, self._file_lines(path), text, new, line - 1, field)
            return new

        return hook

    def _file_lines(self, path: Path) -> list[str]:
        if path not in self._lines:
            self._lines[path] = path.read_text(encoding="utf-8").splitlines()
        return self._lines[path]


def _locate(
    path: Path, lines: list[str], text: str, new: str, start: int, field: str
) -> list[Diagnostic]:
    """Place each change between ``text`` and ``new`` in the file.

    Each line of ``text`` is looked up in the file from ``start`` on; a line
    not found as written (a folded YAML scalar) is placed at the field's line.
    """
    parts = text.split("\n")
    places: list[tuple[int, int] | None] = []
    position = start
    for part in parts:
        place = None
        if part.strip():
            for index in range(position, len(lines)):
                column = lines[index].find(part)
                if column >= 0:
                    place, position = (index, column), index
                    break
        places.append(place)
    starts = [0]
    for part in parts:
        starts.append(starts[-1] + len(part) + 1)
    notes = []
    for change in changes(text, new):
        offset = change.column - 1
        line_index = max(i for i, s in enumerate(starts[:-1]) if s <= offset)
        place = places[line_index]
        if place is None:
            line, column = start + 1, None
        else:
            line = place[0] + 1
            column = place[1] + offset - starts[line_index] + 1
        notes.append(
            Diagnostic(
                path,
                f"{change.old!r} → {change.new!r}",
                line=line,
                field=field,
                column=column,
                level="note",
            )
        )
    return notes
