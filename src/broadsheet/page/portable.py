"""The HTML written beside the PDF: the files it uses copied next to it, named relatively."""

from __future__ import annotations

import hashlib
import html as html_text
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urldefrag, urljoin

import tinycss2
from tinycss2.serializer import serialize_string_value, serialize_url

from broadsheet.diagnostics import Diagnostic, ResourceError

if TYPE_CHECKING:
    from broadsheet.engine.fetcher import SafeURLFetcher
    from broadsheet.pipeline import BuiltEdition

ASSETS = "assets"
# A file: URL in an attribute that a layout's template wrote itself, besides the
# stylesheets and images the pipeline knows of; text cannot hold a bare quote.
FILE_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*"(file:[^"]*)\"""")


def output_html(built: BuiltEdition, html_path: Path) -> tuple[str, dict[Path, bytes]]:
    """The HTML to write at ``html_path``, and the files to write beside it
    (absolute path → bytes), so that the folder can be moved or served as it is
    and names no folder of the machine that built it.

    Every stylesheet, font, colour profile and image the page refers to by a
    ``file:`` URL is copied under ``assets/``: the layout's files as
    ``assets/<layout>/<path in the layout>`` (a parent layout's under its own
    name), content images as
    ``assets/images/<name>-<hash><suffix>`` (two ``photo.png`` of two folders stay
    two files), any other file as ``assets/files/…`` alike. ``data:`` URLs stay
    inline. A file is copied only if the engine's fetcher would serve it.
    """
    from broadsheet.engine.fetcher import SafeURLFetcher

    layout = built.layout
    copier = _Copier(
        folder=html_path.parent,
        layout_roots={folder.resolve(): name for name, folder in layout.chain},
        fetcher=SafeURLFetcher(built.project.allowed_roots(layout.folders)),
        images={path.resolve() for path in built.image_sources.values()},
        blame=built.edition.installment_path,
    )
    stylesheets = set(built.context.get("stylesheets", []))
    urls = stylesheets | {url for url in built.image_sources if url.startswith("file:")}
    urls |= set(FILE_ATTRIBUTE.findall(built.html))
    relative: dict[str, str] = {}
    for url in sorted(urls):
        target = copier.place(html_text.unescape(url), url in stylesheets, None)
        relative[url] = copier.href(target, html_path.parent)
    if not relative:
        return built.html, {}
    # one pass, longest first: one URL may begin another
    pattern = re.compile("|".join(map(re.escape, sorted(relative, key=len, reverse=True))))
    return pattern.sub(lambda m: relative[m[0]], built.html), copier.files


@dataclass
class _Copier:
    folder: Path
    layout_roots: dict[Path, str]  # each layout folder of the chain → its name
    fetcher: SafeURLFetcher
    images: set[Path]
    blame: Path
    files: dict[Path, bytes] = field(default_factory=dict)
    placed: dict[Path, Path] = field(default_factory=dict)  # source file → copy

    def place(self, url: str, stylesheet: bool, where: tuple[Path, int] | None) -> Path:
        """Copy the file ``url`` names (a stylesheet with what it refers to) and
        give where the copy goes. ``where`` is the stylesheet line naming it."""
        from broadsheet.engine.fetcher import RefusedURL

        url = urldefrag(url)[0]
        try:
            source = self.fetcher.allowed_path(url)
        except RefusedURL as exc:
            path, line = where or (self.blame, None)
            raise ResourceError(Diagnostic(path, f"{exc.reason}: {exc.url}", line)) from None
        if source in self.placed:
            return self.placed[source]
        data = source.read_bytes()
        root = next((r for r in self.layout_roots if source.is_relative_to(r)), None)
        if root is not None:
            # the layout's own structure (a parent's files under the parent's
            # name): its CSS's relative URLs stay as written
            name = self.layout_roots[root]
            target = self.folder / ASSETS / name / source.relative_to(root)
        else:
            kind = "images" if source in self.images else "files"
            digest = hashlib.sha256(data).hexdigest()[:12]
            target = self.folder / ASSETS / kind / f"{source.stem}-{digest}{source.suffix}"
        # placed before its references are followed: an @import cycle ends here
        self.placed[source] = target
        self.files[target] = self._stylesheet(url, source, target, data) if stylesheet else data
        return target

    def _stylesheet(self, url: str, source: Path, target: Path, data: bytes) -> bytes:
        """The stylesheet's bytes with each URL naming the copy of its file; the
        bytes as they are where nothing changes. Its relative URLs are taken
        against ``url``, as the engine took them (a symlink not resolved)."""
        # surrogateescape: bytes that are not UTF-8 come back out unchanged
        text = data.decode("utf-8", errors="surrogateescape")
        tokens = tinycss2.parse_component_value_list(text, skip_comments=False)
        if not self._rewrite(tokens, url, source, target):
            return data
        return tinycss2.serialize(tokens).encode("utf-8", errors="surrogateescape")

    def _rewrite(self, tokens: list[Any], base: str, source: Path, target: Path) -> bool:
        """Point each URL among ``tokens`` (nested blocks included) at its copy."""
        changed = False
        importing = False  # the token after `@import` names a stylesheet
        for token in tokens:
            if token.type in ("whitespace", "comment"):
                continue
            named, stylesheet, importing = None, importing, False
            if token.type == "at-keyword":
                importing = token.lower_value == "import"
            elif token.type == "url" or (token.type == "string" and stylesheet):
                named = token
            elif token.type == "function" and token.lower_name == "url":
                named = next((t for t in token.arguments if t.type == "string"), None)
            elif token.type == "function":
                changed |= self._rewrite(token.arguments, base, source, target)
            elif token.type in ("() block", "[] block", "{} block"):
                changed |= self._rewrite(token.content, base, source, target)
            if named is None or _stays(named.value):
                continue
            absolute = urljoin(base, named.value)
            copy = self.place(absolute, stylesheet, (source, named.source_line))
            fragment = urldefrag(absolute)[1]
            new = self.href(copy, target.parent) + (f"#{fragment}" if fragment else "")
            if new != named.value:
                named.value = new
                named.representation = (
                    f"url({serialize_url(new)})"
                    if named.type == "url"
                    else f'"{serialize_string_value(new)}"'
                )
                changed = True
        return changed

    @staticmethod
    def href(target: Path, start: Path) -> str:
        """``target`` relative to the folder ``start``, as a URL path."""
        return quote(Path(os.path.relpath(target, start)).as_posix())


def _stays(url: str) -> bool:
    """URLs that name no file: inline data, a fragment of the page, nothing."""
    return not url.strip() or url.startswith(("data:", "#"))
