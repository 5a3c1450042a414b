"""The files of a series: its installments, the next one started."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from broadsheet.content.loader import SERIES_FILE, load_edition, load_series, series_installments
from broadsheet.content.placeholders import PLACEHOLDER
from broadsheet.content.schema import MAX_NUMBER
from broadsheet.diagnostics import BroadsheetError, ContentError, Diagnostic

TEMPLATE = """\
---
number: {number}
date: {date}
headline: {p}主标题
subhead: {p}副标题（可删去此行）
standfirst: {p}导语（可删去此行）
editors_note: |
  {p}编者按（可删去此项）
---
{p}正文。段落之间空一行；小标题写作“## 第一行 | 第二行”。
"""


def installment_paths(path: Path) -> list[Path]:
    """A series folder means all its installments; a file means itself."""
    if path.is_dir():
        if not (path / SERIES_FILE).is_file():
            raise ContentError(Diagnostic(path, f"not a series folder: no {SERIES_FILE}"))
        found = series_installments(path)
        if not found:
            raise ContentError(Diagnostic(path, "no installment files (*.md) in this series"))
        return found
    if not path.is_file():
        raise ContentError(Diagnostic(path, "no such file or folder"))
    return [path]


def new_installment(series: Path, today: dt.date) -> Path:
    """Write the installment after the highest-numbered one; never overwrite a file."""
    if not (series / SERIES_FILE).is_file():
        raise ContentError(Diagnostic(series, f"not a series folder: no {SERIES_FILE}"))
    load_series(series)  # an installment of a broken series would not build either
    numbers = []
    for path in series_installments(series):
        try:
            numbers.append(load_edition(path).installment.number)
        except BroadsheetError:
            if path.stem.isdigit():  # a broken file still holds its number
                numbers.append(int(path.stem))
    number = max(numbers, default=0) + 1
    if number > MAX_NUMBER:
        raise ContentError(
            Diagnostic(series, f"the next number would be {number}; numbers end at {MAX_NUMBER}")
        )
    path = series / f"{number:02d}.md"
    if path.exists():
        raise ContentError(Diagnostic(path, "already exists"))
    text = TEMPLATE.format(number=number, date=today.isoformat(), p=PLACEHOLDER)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path
