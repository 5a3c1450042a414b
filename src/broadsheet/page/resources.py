"""Resolve files that content refers to (images), inside the allowed folders only."""

from __future__ import annotations

import base64
import functools
import io
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageCms, UnidentifiedImageError

from broadsheet.diagnostics import Diagnostic
from broadsheet.pictures import data_picture_refusal, picture_refusal

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
    cmyk_profile: Path | None = None
    # Archives: the file's own bytes inline, so the PDF does not depend on where
    # the project lies (WeasyPrint names an image after its URL).
    inline: bool = False
    problems: list[Diagnostic] = field(default_factory=list)
    used: list[Path] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)  # URL on the page → file
    # URL on the page → where the content asks for it (line, field), for findings
    # about the picture as laid out
    asked: dict[str, tuple[int, str | None]] = field(default_factory=dict)

    def image(self, src: str, line: int, field_name: str | None = "body") -> str:
        if src.startswith("data:image/"):
            # inline bytes: nothing is read from anywhere, but the bytes meet
            # the same rules (a decompression bomb fits in a data: URL)
            refusal = data_picture_refusal(src)
            if refusal:
                self._problem(f"inline image {src[:30]}… {refusal}", line, field_name)
                return "about:invalid"
            return src
        if urlsplit(src).scheme or src.startswith("//"):
            self._problem(f"image '{src}': only files of the project may be used", line, field_name)
            return "about:invalid"
        try:
            path = (self.base / src).resolve()
            kind = "file" if path.is_file() else "other" if path.exists() else "none"
        except (OSError, ValueError, RuntimeError) as exc:
            # a NUL in the name, a name too long, a symlink loop
            reason = getattr(exc, "strerror", None) or str(exc)
            self._problem(f"image '{src}' cannot be read: {reason}", line, field_name)
            return "about:invalid"
        if not any(path.is_relative_to(root) for root in self.roots):
            self._problem(f"image '{src}' is outside the allowed folders", line, field_name)
            return "about:invalid"
        if kind != "file":
            found = "not found" if kind == "none" else "is not a regular file"
            self._problem(f"image '{src}' {found} ({path})", line, field_name)
            return "about:invalid"
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            formats = ", ".join(sorted(s[1:].upper() for s in IMAGE_SUFFIXES))
            message = f"image '{src}' is not in a format a page takes ({formats})"
            self._problem(message, line, field_name)
            return "about:invalid"
        refusal = picture_refusal(path)
        if refusal:
            self._problem(f"image '{src}' {refusal}", line, field_name)
            return "about:invalid"
        self.used.append(path)
        downsample = bool(self.image_dpi and self.page_width)
        if (downsample or self.cmyk_profile) and path.suffix.lower() in RASTER_SUFFIXES:
            max_px = 0
            if downsample:
                assert self.image_dpi and self.page_width
                max_px = round(length_mm(self.page_width) / 25.4 * self.image_dpi)
            stat = path.stat()
            try:
                url = _prepared(path, stat.st_mtime_ns, stat.st_size, max_px, self.cmyk_profile)
            except (
                UnidentifiedImageError,
                OSError,
                ValueError,
                ImageCms.PyCMSError,
                Image.DecompressionBombError,
            ) as exc:
                self._problem(f"image '{src}' cannot be prepared: {exc}", line, field_name)
                return "about:invalid"
        elif self.inline:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            url = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
        else:
            url = path.as_uri()
        self.sources[url] = path
        self.asked.setdefault(url, (line, field_name))
        return url

    def _problem(self, message: str, line: int, field_name: str | None) -> None:
        self.problems.append(Diagnostic(self.source, message, line, field_name))


@functools.lru_cache(maxsize=64)
def _prepared(path: Path, mtime_ns: int, size: int, max_px: int, cmyk_profile: Path | None) -> str:
    """The image as a data: URL, at most ``max_px`` wide (0: as it is) and, for
    print, converted to CMYK through the output profile. ``mtime_ns`` and
    ``size`` are only cache keys: the result is reused while the file is unchanged."""
    with Image.open(path) as image:
        if (not max_px or image.width <= max_px) and cmyk_profile is None:
            return path.as_uri()
        image.load()
        picture = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    if max_px and picture.width > max_px:
        height = round(picture.height * max_px / picture.width)
        picture = picture.resize((max_px, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if cmyk_profile is not None:
        # Colour-managed: sRGB to the press profile the PDF declares as output intent.
        if picture.mode == "RGBA":
            white = Image.new("RGB", picture.size, "white")
            white.paste(picture, mask=picture.getchannel("A"))
            picture = white
        transform = _cmyk_transform(cmyk_profile)
        ImageCms.applyTransform(picture, transform).save(buffer, "JPEG", quality=92)
        mime = "image/jpeg"
    elif picture.mode == "RGBA":
        picture.save(buffer, "PNG", optimize=True)
        mime = "image/png"
    else:
        picture.save(buffer, "JPEG", quality=82, optimize=True)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"


@functools.lru_cache(maxsize=4)
def _cmyk_transform(profile: Path) -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        ImageCms.getOpenProfile(str(profile)),
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
    )


def pixel_sizes(sources: dict[str, Path]) -> dict[str, tuple[int, int]]:
    """Each raster image's (width, height) in pixels, by its URL on the page; the
    header alone is read. Vector images are left out (the composer assumes 3:2)."""
    sizes = {}
    for url, path in sources.items():
        if path.suffix.lower() not in RASTER_SUFFIXES:
            continue
        try:
            with Image.open(path) as image:
                sizes[url] = image.size
        except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
            continue
    return sizes
