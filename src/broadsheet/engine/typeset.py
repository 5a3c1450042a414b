"""Typesetting: HTML → laid-out pages → PDF bytes, the Chinese line layout active throughout."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import weasyprint

from broadsheet import limits
from broadsheet.diagnostics import Diagnostic, ResourceError
from broadsheet.engine import fontdata
from broadsheet.engine.columns import thread_columns
from broadsheet.engine.fetcher import RefusedURL, SafeURLFetcher
from broadsheet.engine.inspect import check_pages, image_resolutions
from broadsheet.engine.lines import cjk_line_layout
from broadsheet.engine.measure import article_pages, note_columns, read_measures
from broadsheet.engine.messages import engine_log, refusal
from broadsheet.output import process_folder
from broadsheet.pictures import bound_decoding

fontdata.install()


@dataclass(frozen=True)
class Attachment:
    """A file carried inside the PDF (an archived edition's sources)."""

    name: str
    data: bytes
    description: str
    when: dt.datetime


class LaidOut:
    """A laid-out document: its pages can be checked, measured and written once."""

    def __init__(self, document: weasyprint.Document, fetcher: SafeURLFetcher, blame: Path):
        self._document = document
        self._fetcher = fetcher
        self._blame = blame
        self.warnings: list[Diagnostic] = []  # what the engine logged
        self.pdf_warnings: list[Diagnostic] = []  # of those, what writing the PDF logged
        self.overset_pages = 0  # a draft's column pages that did not fit, kept at the end

    @property
    def page_count(self) -> int:
        return len(self._document.pages)

    def check_fit(self, max_pages: int, article_may_continue: bool) -> None:
        """Raise PageOverflowError naming each block that does not fit, and by how much.
        A draft's overset pages (kept after the sheet) are the fit report's to tell."""
        pages = self._document.pages
        if self.overset_pages:
            self._document.pages = pages[: len(pages) - self.overset_pages]
        try:
            check_pages(self._document, max_pages, article_may_continue, self._blame)
        finally:
            self._document.pages = pages

    def fit_report(self, plan, measures, rules, keep_overset: bool = False, max_pages: int = 0):
        """Thread a sheet's columns into place (or read a flow's pages) and measure the fit."""
        from broadsheet.compose.fit import flow_report, sheet_report

        note = note_columns(self._document)
        if plan.mode == "sheet":
            fill = thread_columns(self._document, keep_overset)
            self.overset_pages = fill.overset_pages if keep_overset else 0
            return sheet_report(plan, fill, measures, rules, note)
        pages = article_pages(self._document)
        if keep_overset and max_pages:
            self.overset_pages = max(0, self.page_count - max_pages)
        return flow_report(plan, pages, measures, rules, note, max_pages)

    def image_resolutions(self) -> list[tuple[str, float]]:
        return image_resolutions(self._document)

    def write_pdf(
        self,
        pdf_variant: str | None = None,
        attachments: list[Attachment] | None = None,
        identifier: bytes | None = None,
    ) -> bytes:
        """The PDF bytes; ``identifier`` (the file's /ID) keeps rebuilds byte-identical
        where WeasyPrint would draw a random one (PDF/A, PDF/X)."""
        options = {
            "pdf_variant": pdf_variant,
            "attachments": [
                weasyprint.Attachment(
                    file_obj=io.BytesIO(a.data),
                    name=a.name,
                    description=a.description,
                    created=a.when,
                    modified=a.when,
                    relationship="Source",
                )
                for a in attachments or []
            ],
        }
        if identifier is not None:
            options["pdf_identifier"] = identifier
        try:
            # drawing re-shapes every line: justification must be active here
            # too; pictures are decoded now, and what fails is logged now
            with engine_log() as log, cjk_line_layout():
                data = self._document.write_pdf(**options)
        except RefusedURL as exc:
            raise ResourceError(refusal(exc, self._blame)) from None
        self._fetcher.raise_refused(self._blame)
        found = log.diagnostics(self._blame)
        self.warnings += found
        self.pdf_warnings = found
        return data


@contextmanager
def page_budget(blame: Path) -> Iterator[None]:
    """Stop a layout as soon as it (or the job it is part of, measuring layouts
    included) makes more pages than the bound allows, rather than after laying
    out a runaway text in full."""
    from weasyprint import layout

    bound = limits.active().pages
    make_all_pages = layout.make_all_pages

    def counted(*args, **kwargs):
        for made, page in enumerate(make_all_pages(*args, **kwargs), start=1):
            if limits.count_page() < 0 or made > bound:
                raise ResourceError(
                    Diagnostic(
                        blame,
                        f"the layouts of this output run past {bound} pages; stopped there "
                        f"({limits.active().hint('pages')})",
                    )
                )
            yield page

    layout.make_all_pages = counted
    try:
        yield
    finally:
        layout.make_all_pages = make_all_pages


@cache
def _font_config():
    """One font configuration for the process: a layout's @font-face files
    (fonts.css) are registered with Fontconfig once, not for every layout
    (measuring and final), which cost 6 ms a layout and reloaded Pango's fonts.
    WeasyPrint keys each face by its descriptors and URL, so another layout's
    faces do not mix with these."""
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    # WeasyPrint copies @font-face files into a temporary folder it removes
    # when the configuration is collected; a killed process never is. Ours is
    # named by its process, so that the next build removes a dead one's.
    config._folder = process_folder()
    return config


def measure(html: str, base_url: Path, roots: list[Path], blame: Path):
    """The measuring layout of a page (its warnings are the real layout's to give)."""
    laid_out = lay_out(html, base_url, roots, blame, [])
    return read_measures(laid_out._document)


def lay_out(
    html: str, base_url: Path, roots: list[Path], blame: Path, warnings: list[Diagnostic]
) -> LaidOut:
    """Lay out ``html``, reading files only below ``roots``; a refused or missing
    resource is blamed on the stylesheet line that asked for it, else on ``blame``,
    and what the engine logs joins ``warnings``."""
    fetcher = SafeURLFetcher(roots)
    bound_decoding()
    # messages and refusals name the stylesheet and line they are about (messages.py)
    with engine_log() as log, cjk_line_layout(), page_budget(blame):
        try:
            document = weasyprint.HTML(
                string=html, base_url=base_url.resolve().as_uri() + "/", url_fetcher=fetcher
            ).render(font_config=_font_config())
        except RefusedURL as exc:
            raise ResourceError(refusal(exc, blame)) from None
    # a refusal inside a picture (an SVG's reference) is logged and swallowed
    # by the engine: it is an error all the same
    fetcher.raise_refused(blame)
    found = log.diagnostics(blame)
    warnings.extend(found)
    laid_out = LaidOut(document, fetcher, blame)
    laid_out.warnings = found
    return laid_out
