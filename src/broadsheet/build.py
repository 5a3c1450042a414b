"""The orchestrator: content → text → HTML → layout → page check → PDF → files."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.content import Edition, load_edition, series_installments
from broadsheet.content.loader import SERIES_FILE
from broadsheet.errors import ContentError, Diagnostic
from broadsheet.fetcher import SafeURLFetcher
from broadsheet.layouts import Layout, load_layout
from broadsheet.output import write_atomically
from broadsheet.pagecheck import check_pages
from broadsheet.project import Project, find_project
from broadsheet.render import PageContext, render_page
from broadsheet.resources import ResourceResolver
from broadsheet.text_stage import prepare_text
from broadsheet.typeset import typeset, write_pdf

VARIANT = "print"


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.stages.values())


@dataclass
class BuiltEdition:
    """An edition carried through the pipeline, in memory until it is written."""

    edition: Edition
    project: Project
    layout: Layout
    html: str
    pdf: bytes = b""
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    written: list[Path] = field(default_factory=list)

    def output_paths(self, outdir: Path) -> tuple[Path, Path]:
        folder = outdir / self.edition.series.id / self.edition.slug
        return folder / f"{VARIANT}.html", folder / f"{VARIANT}.pdf"


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


def render_html(installment_path: Path, timings: Timings | None = None) -> BuiltEdition:
    """Load, validate and normalise an installment and render its HTML."""
    timings = timings or Timings()
    with timings.stage("content"):
        edition = load_edition(installment_path)
        project = find_project(installment_path)
        source = edition.installment_source
        layout = load_layout(
            project.layouts_dir, edition.series.layout, edition.series_field("layout")
        )
        page = layout.page_format(edition.series.page_format, edition.series_field("page_format"))
    with timings.stage("text"):
        resolver = ResourceResolver(
            installment_path.parent, project.allowed_roots(layout.folder), installment_path
        )
        text = prepare_text(edition, resolver.image)
        ad = edition.installment.advertisement
        ad_image = None
        if ad and ad.image:
            line = source.line_of(("advertisement", "image"))
            ad_image = resolver.image(ad.image, line, "advertisement.image")
        if resolver.problems:
            raise ContentError(resolver.problems)
    with timings.stage("html"):
        context = PageContext(
            series=edition.series,
            installment=edition.installment,
            label=edition.label,
            series_title=text.series_title,
            page=page,
            page_format=edition.series.page_format,
            headline=text.headline,
            subhead=text.subhead,
            standfirst=text.standfirst,
            editors_note=text.editors_note,
            pull_quote=text.pull_quote,
            advertisement=ad,
            advertisement_image=ad_image,
            blocks=text.blocks,
            stylesheets=[p.resolve().as_uri() for p in layout.stylesheet_paths()],
        )
        html = render_page(layout, context)
    return BuiltEdition(edition, project, layout, html, timings=timings)


def typeset_edition(built: BuiltEdition) -> BuiltEdition:
    """Lay out the HTML, check the laid-out pages, and make the PDF bytes."""
    edition, timings = built.edition, built.timings
    fetcher = SafeURLFetcher(built.project.allowed_roots(built.layout.folder))
    base = edition.installment_path.parent
    with timings.stage("layout"):
        document = typeset(built.html, base, fetcher, edition.installment_path, built.warnings)
    with timings.stage("inspect"):
        check_pages(document, built.layout.config, edition.installment_path)
        built.pages = len(document.pages)
    with timings.stage("pdf"):
        built.pdf = write_pdf(document, fetcher, edition.installment_path)
    return built


def build_installment(installment_path: Path, outdir: Path) -> BuiltEdition:
    """Build one installment; outputs are replaced only when every stage succeeded."""
    built = typeset_edition(render_html(installment_path))
    html_path, pdf_path = built.output_paths(outdir)
    with built.timings.stage("write"):
        write_atomically({html_path: built.html.encode("utf-8"), pdf_path: built.pdf})
    built.written = [html_path, pdf_path]
    return built


def check_installment(installment_path: Path) -> BuiltEdition:
    """Every stage of a build, in memory: nothing is written."""
    return typeset_edition(render_html(installment_path))
