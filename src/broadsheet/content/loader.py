"""Read a series folder and its installment files into validated models."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from broadsheet.content.numerals import installment_label
from broadsheet.content.placeholders import placeholder_lines
from broadsheet.content.schema import Installment, Series
from broadsheet.content.yamlsource import (
    SourceMap,
    YamlDocument,
    parse_yaml,
    read_text,
    split_front_matter,
)
from broadsheet.diagnostics import ContentError, Diagnostic

SERIES_FILE = "series.yaml"
INSTALLMENT_GLOB = "*.md"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Edition:
    """One installment with its series: everything the later stages read."""

    series: Series
    series_path: Path
    series_source: SourceMap
    installment: Installment
    installment_path: Path
    installment_source: SourceMap
    body: str
    body_first_line: int

    @property
    def label(self) -> str:
        return installment_label(self.series.label, self.installment.number)

    @property
    def slug(self) -> str:
        return f"{self.installment.number:02d}"


def load_series(folder: Path) -> tuple[Series, SourceMap]:
    path = folder / SERIES_FILE
    if not path.is_file():
        raise ContentError(Diagnostic(folder, f"no {SERIES_FILE} in this series folder"))
    document = parse_yaml(read_text(path), path)
    return validate(Series, document), document.source


def series_installments(folder: Path) -> list[Path]:
    """Installment files of a series folder, in file-name order (a README.md
    beside them describes the series and is not one)."""
    return sorted(
        p for p in folder.glob(INSTALLMENT_GLOB) if p.is_file() and p.stem.lower() != "readme"
    )


def load_edition(installment_path: Path, placeholders: list[Diagnostic] | None = None) -> Edition:
    """Load and validate one installment file together with its series file.

    Every schema error of both files is collected before raising, so an editor
    sees the whole list at once. Given a list, ``placeholders`` receives the
    placeholders not yet filled in instead of their errors (a draft).
    """
    diagnostics: list[Diagnostic] = []
    series = series_source = None
    try:
        series, series_source = load_series(installment_path.parent)
    except ContentError as exc:
        diagnostics.extend(exc.diagnostics)
    installment = parsed = None
    try:
        parsed = split_front_matter(read_text(installment_path), installment_path)
        installment = validate(Installment, parsed.meta)
    except ContentError as exc:
        diagnostics.extend(exc.diagnostics)
    unfilled = placeholder_lines(installment_path)
    if series_source is not None:
        # `broadsheet init` writes placeholders into the series file as well
        unfilled = placeholder_lines(series_source.path) + unfilled
    if placeholders is None:
        diagnostics += unfilled
    else:
        placeholders += unfilled
    if diagnostics:
        raise ContentError(diagnostics)
    assert series and series_source and installment and parsed
    return Edition(
        series=series,
        series_path=series_source.path,
        series_source=series_source,
        installment=installment,
        installment_path=installment_path,
        installment_source=parsed.meta.source,
        body=parsed.body,
        body_first_line=parsed.body_first_line,
    )


def validate(model: type[M], document: YamlDocument) -> M:
    """Validate a YAML document; every error names its file, line and field."""
    data: Any = document.data
    source = document.source
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ContentError(
            Diagnostic(source.path, f"expected a mapping of fields, found {kind}", 1)
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(
            [_diagnostic(model, error, source) for error in exc.errors(include_url=False)]
        ) from None


def _diagnostic(model: type[BaseModel], error: Any, source: SourceMap) -> Diagnostic:
    loc = tuple(error["loc"])
    field_name = ".".join(str(part) for part in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown field"
        known = _known_fields(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif known:
            message += f" (known: {', '.join(known)})"
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = error["msg"]
        if "input" in error and not isinstance(error["input"], dict | list):
            message += f" (got {error['input']!r})"
    return Diagnostic(source.path_of(loc), message, source.line_of(loc), field_name)


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        # Optional[Sub] → Sub
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
        else:
            return []
    return sorted(getattr(current, "model_fields", {}))
