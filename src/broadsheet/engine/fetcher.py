"""A WeasyPrint URL fetcher that serves only files inside the allowed folders."""

from __future__ import annotations

import mimetypes
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from broadsheet.pictures import picture_refusal


class RefusedURL(FatalURLFetchingError):
    """A URL the build may not read. Fatal: it stops the render at once."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class SafeURLFetcher(URLFetcher):
    """Serve ``file:`` URLs below ``roots`` and ``data:`` URLs; refuse everything else.

    Paths are resolved (``..`` and symlinks) before the check, so neither an
    escape like ``../../etc/passwd`` nor a symlink pointing out gets through;
    only regular files are read, so ``/dev/urandom`` cannot hang the render.
    """

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = [root.resolve() for root in roots]
        self.served: list[Path] = []
        # what was refused: the engine swallows a refusal met while loading a
        # picture (an SVG's own reference), so it is reported from here
        self.refused: list[RefusedURL] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except RefusedURL as exc:
            self.refused.append(exc)
            raise

    def raise_refused(self, blame: Path) -> None:
        """A ResourceError naming every URL refused so far, if any."""
        from broadsheet.diagnostics import Diagnostic, ResourceError

        if self.refused:
            found = dict.fromkeys(f"{exc.reason}: {exc.url}" for exc in self.refused)
            self.refused.clear()
            raise ResourceError([Diagnostic(blame, message) for message in found])

    def _fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if urlsplit(url).scheme.lower() == "data":
            return super().fetch(url, headers)
        path = self.allowed_path(url)
        mime, _ = mimetypes.guess_type(path.name)
        if mime and mime.startswith("image/"):
            # a layout's pictures (CSS backgrounds) meet the content's rules
            refusal = picture_refusal(path)
            if refusal:
                raise RefusedURL(url, f"picture {path.name} {refusal}")
        headers_out = {"Content-Type": mime} if mime else {}
        self.served.append(path)
        return URLFetcherResponse(url, path.read_bytes(), headers_out)

    def allowed_path(self, url: str) -> Path:
        """The file a ``file:`` URL names, resolved, if it may be read; else RefusedURL."""
        if urlsplit(url).scheme.lower() != "file":
            raise RefusedURL(url, "network and other non-file URLs are not allowed")
        raw = url2pathname(unquote(urlsplit(url).path))
        try:
            path = Path(raw).resolve(strict=True)
        except (OSError, RuntimeError):
            raise RefusedURL(url, "file not found") from None
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL(url, "outside the allowed folders")
        if not stat.S_ISREG(path.stat().st_mode):
            raise RefusedURL(url, "not a regular file")
        return path
