"""Resolve files that content refers to (images), inside the allowed folders only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from broadsheet.errors import Diagnostic

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


@dataclass
class ResourceResolver:
    """Turns a content-relative path into a file URL, or records why it cannot."""

    base: Path
    roots: list[Path]
    source: Path
    problems: list[Diagnostic] = field(default_factory=list)

    def image(self, src: str, line: int, field_name: str | None = "body") -> str:
        if src.startswith("data:image/"):
            return src  # inline bytes: nothing is read from anywhere
        if urlsplit(src).scheme or src.startswith("//"):
            self._problem(f"image '{src}': only files of the project may be used", line, field_name)
            return "about:invalid"
        path = (self.base / src).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            self._problem(f"image '{src}' is outside the allowed folders", line, field_name)
            return "about:invalid"
        if not path.is_file():
            self._problem(f"image '{src}' not found ({path})", line, field_name)
            return "about:invalid"
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            self._problem(f"image '{src}' is not an image file", line, field_name)
            return "about:invalid"
        return path.as_uri()

    def _problem(self, message: str, line: int, field_name: str | None) -> None:
        self.problems.append(Diagnostic(self.source, message, line, field_name))
