"""What may go on a page as a picture: bounded in pixels, SVGs self-contained."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from pathlib import Path
from urllib.parse import unquote_to_bytes

from PIL import Image, ImageFile, UnidentifiedImageError

from broadsheet import limits


def header_size(path: Path | io.BytesIO) -> tuple[int, int]:
    """Width and height from the image's header alone, whatever its size: the
    bound is ours to apply, with a message that says so."""
    bound, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    # strict whatever the engine set (WeasyPrint loads truncated images): the
    # same file is refused or taken alike in every process
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with Image.open(path) as image:
            return image.size
    finally:
        Image.MAX_IMAGE_PIXELS = bound
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def bound_decoding() -> None:
    """Make Pillow itself refuse, rather than warn about, an image over the
    bound wherever it decodes one (the engine decodes a layout's pictures)."""
    Image.MAX_IMAGE_PIXELS = limits.active().pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


# An SVG on the page must be self-contained: a reference to anything but its
# own elements (#id) or inline data would be fetched while the page is drawn.
_SVG_REFERENCE = re.compile(
    r"""(?:\bhref\s*=\s*["']\s*(?P<href>[^"'#][^"']*)["']"""
    r"""|\burl\(\s*["']?\s*(?P<url>[^"')#\s][^"')]*)"""
    r"""|@import\s+["']?(?P<imp>[^"';\s]+))""",
    re.IGNORECASE,
)


def picture_refusal(path: Path) -> str | None:
    """Why a picture may not go on the page, or None. Raster images are
    bounded by pixels from their header, before anything decodes them; an SVG
    must be self-contained and declare no entities."""
    if path.suffix.lower() == ".svg":
        try:
            return _svg_refusal(path.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            return f"cannot be read: {exc.strerror}"
    return _raster_refusal(path)


def data_picture_refusal(url: str) -> str | None:
    """The same rules for a picture carried inline in a ``data:`` URL."""
    header, comma, payload = url.partition(",")
    if not comma:
        return "is not a data: URL (no comma before its data)"
    if header.lower().endswith(";base64"):
        try:
            data = base64.b64decode(payload, validate=True)
        except (ValueError, binascii.Error):
            return "is not valid base64"
    else:
        data = unquote_to_bytes(payload)
    if header.lower().startswith("data:image/svg"):
        return _svg_refusal(data.decode("utf-8", errors="replace"))
    return _raster_refusal(io.BytesIO(data))


def _raster_refusal(source: Path | io.BytesIO) -> str | None:
    bound = limits.active().pixels
    try:
        width, height = header_size(source)
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        return f"is not a readable image ({exc.__class__.__name__})"
    if width * height > bound:
        return (
            f"is {width}×{height} = {width * height / 1e6:.0f} MP, over the limit of "
            f"{bound / 1e6:.0f} MP ({limits.active().hint('pixels')})"
        )
    return None


def _svg_refusal(text: str) -> str | None:
    upper = text.upper()
    for marker in ("<!DOCTYPE", "<!ENTITY"):
        if marker in upper:
            line = text[: upper.index(marker)].count("\n") + 1
            return (
                f"has {marker[2:]} at its line {line}: an SVG on the page may declare "
                "no DTD or entities"
            )
    for match in _SVG_REFERENCE.finditer(text):
        target = next(g for g in match.groups() if g is not None)
        if not target.lower().startswith("data:"):
            line = text[: match.start()].count("\n") + 1
            return (
                f"refers to '{target}' at its line {line}: an SVG on the page must be "
                "self-contained (inline the picture or link it from the Markdown)"
            )
    return None
