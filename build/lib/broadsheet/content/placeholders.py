"""Placeholders in content files: text `broadsheet new` writes that must be replaced."""

from __future__ import annotations

from pathlib import Path

from broadsheet.content.yamlsource import read_text
from broadsheet.diagnostics import Diagnostic

PLACEHOLDER = "【待填写】"


def placeholder_lines(path: Path) -> list[Diagnostic]:
    """Every line of a content file that still holds a placeholder."""
    return [
        Diagnostic(path, f"placeholder {PLACEHOLDER} not filled in", line=index, column=col + 1)
        for index, text in enumerate(read_text(path).splitlines(), start=1)
        if (col := text.find(PLACEHOLDER)) >= 0
    ]
