"""Resolve files that content refers to (images), inside the allowed folders only."""

from __future__ import annotations

import base64
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from broadsheet.errors import Diagnostic

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
RASTER_SUFFIXES = IMAGE_SUFFIXES - {".svg"}
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}


def length_mm(length: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(mm|cm|in|pt|px)", length)
    if not match:
        raise ValueError(f"not a length: {length}")
    return float(match[1]) * MM_PER_UNIT[match[2]]


@dataclass
class ResourceResolver:
    """Turns a content-relative path into a URL for the page, or records why it cannot.

    With ``image_dpi`` (a screen variant), raster images wider than the page
    at that resolution are downsampled with Pillow and inlined as data: URLs.
    """

    base: Path
    roots: list[Path]
    source: Path
    image_dpi: int | None = None
    page_width: str | None = None
    problems: list[Diagnostic] = field(default_factory=list)
    used: list[Path] = field(default_factory=list)

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
        self.used.append(path)
        if self.image_dpi and self.page_width and path.suffix.lower() in RASTER_SUFFIXES:
            try:
                return self._downsampled(path)
            except (UnidentifiedImageError, OSError) as exc:
                self._problem(f"image '{src}' cannot be read: {exc}", line, field_name)
                return "about:invalid"
        return path.as_uri()

    def _downsampled(self, path: Path) -> str:
        assert self.image_dpi and self.page_width
        max_px = round(length_mm(self.page_width) / 25.4 * self.image_dpi)
        stat = path.stat()
        return _downsample(path, stat.st_mtime_ns, stat.st_size, max_px)

    def _problem(self, message: str, line: int, field_name: str | None) -> None:
        self.problems.append(Diagnostic(self.source, message, line, field_name))


@functools.lru_cache(maxsize=64)
def _downsample(path: Path, mtime_ns: int, size: int, max_px: int) -> str:
    """The image as a data: URL at most ``max_px`` wide (cached while the file is unchanged)."""
    with Image.open(path) as image:
        if image.width <= max_px:
            return path.as_uri()
        height = round(image.height * max_px / image.width)
        small = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        small = small.resize((max_px, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if small.mode == "RGBA":
        small.save(buffer, "PNG", optimize=True)
        mime = "image/png"
    else:
        small.save(buffer, "JPEG", quality=82, optimize=True)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"
