"""The orchestrator: content → text → HTML → layout → page check → PDF → files."""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.content import Edition, load_edition, series_installments
from broadsheet.content.loader import SERIES_FILE
from broadsheet.diagnostics import ContentError, Diagnostic, PrintError, display_path
from broadsheet.output import write_atomically
from broadsheet.page.layouts import Layout
from broadsheet.page.render import PageContext, render_page
from broadsheet.page.resources import ResourceResolver
from broadsheet.page.settings import EffectiveSettings
from broadsheet.page.variants import resolve_variant
from broadsheet.project import Project, find_project
from broadsheet.text.prepare import prepare_text

DEFAULT_VARIANT = "print"
# The press profile print variants convert images to; the same file the layout's
# cmyk.css declares as the PDF/X output intent (ghostscript's, libgs-common).
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


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


@dataclass
class BuiltEdition:
    """One (installment, variant) carried through the pipeline, in memory until written."""

    edition: Edition
    variant: str
    settings: EffectiveSettings
    project: Project
    layout: Layout
    html: str
    images: list[Path] = field(default_factory=list)
    image_sources: dict[str, Path] = field(default_factory=dict)
    pdf: bytes = b""
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    written: list[Path] = field(default_factory=list)

    def output_paths(self, outdir: Path) -> tuple[Path, Path]:
        return output_paths(outdir, self.edition.series.id, self.edition.slug, self.variant)


def output_paths(outdir: Path, series_id: str, slug: str, variant: str) -> tuple[Path, Path]:
    folder = outdir / series_id / slug
    return folder / f"{variant}.html", folder / f"{variant}.pdf"


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


def render_html(
    installment_path: Path, variant: str = DEFAULT_VARIANT, timings: Timings | None = None
) -> BuiltEdition:
    """Load, validate and normalise an installment and render one variant's HTML."""
    timings = timings or Timings()
    with timings.stage("content"):
        edition = load_edition(installment_path)
        project = find_project(installment_path)
        layout, settings = resolve_variant(edition, variant, project.layouts_dir)
        origin = settings.origins["page_format"]
        page = layout.page_format(
            settings.page_format, Diagnostic(origin.path, "", origin.line, "page_format")
        )
        stylesheets = layout.stylesheet_paths(settings.stylesheets)
        missing = [p for p in stylesheets if not p.is_file()]
        if missing:
            origin = settings.origins["stylesheets"]
            raise ContentError(
                Diagnostic(
                    origin.path,
                    f"no stylesheet {missing[0].name} in layout '{layout.name}'",
                    origin.line,
                    "stylesheets",
                )
            )
    with timings.stage("text"):
        resolver = ResourceResolver(
            installment_path.parent,
            project.allowed_roots(layout.folder),
            installment_path,
            image_dpi=settings.image_dpi,
            page_width=page.width,
            cmyk_profile=CMYK_PROFILE if settings.pdf_variant else None,
        )
        text = prepare_text(edition, resolver.image)
        ad = edition.installment.advertisement
        ad_image = None
        if ad and ad.image:
            line = edition.installment_source.line_of(("advertisement", "image"))
            ad_image = resolver.image(ad.image, line, "advertisement.image")
        if resolver.problems:
            raise ContentError(resolver.problems)
    with timings.stage("html"):
        hidden = set(settings.hide)
        context = PageContext(
            series=edition.series,
            installment=edition.installment,
            variant=variant,
            settings=settings,
            label=edition.label,
            series_title=text.series_title,
            slogan=None if "banner" in hidden else edition.series.slogan,
            show_masthead="masthead" not in hidden,
            page=page,
            page_format=settings.page_format,
            headline=text.headline,
            subhead=text.subhead,
            standfirst=None if "standfirst" in hidden else text.standfirst,
            editors_note=[] if "editors_note" in hidden else text.editors_note,
            pull_quote=None if "pull_quote" in hidden else text.pull_quote,
            advertisement=None if "advertisement" in hidden else ad,
            advertisement_image=None if "advertisement" in hidden else ad_image,
            blocks=text.blocks,
            stylesheets=[p.resolve().as_uri() for p in stylesheets],
        )
        html = render_page(layout, context)
    return BuiltEdition(
        edition,
        variant,
        settings,
        project,
        layout,
        html,
        resolver.used,
        resolver.sources,
        timings=timings,
    )


def typeset_edition(built: BuiltEdition) -> BuiltEdition:
    """Lay out the HTML, check the laid-out pages, and make the PDF bytes."""
    # WeasyPrint is imported only here: a rebuild that finds everything up to
    # date never pays its half-second import.
    from broadsheet.engine.fetcher import SafeURLFetcher
    from broadsheet.engine.inspect import check_pages, image_resolutions
    from broadsheet.engine.typeset import typeset, write_pdf
    from broadsheet.pdf.archival import (
        attachments,
        finish_archive,
        metadata_fields,
        sources_of,
    )
    from broadsheet.pdf.printing import finish_for_print

    edition, timings = built.edition, built.timings
    fetcher = SafeURLFetcher(built.project.allowed_roots(built.layout.folder))
    base = edition.installment_path.parent
    with timings.stage("layout"):
        document = typeset(built.html, base, fetcher, edition.installment_path, built.warnings)
    with timings.stage("inspect"):
        check_pages(
            document,
            built.settings.max_pages,
            built.settings.article_may_continue,
            edition.installment_path,
        )
        built.pages = len(document.pages)
        if built.settings.pdf_variant:
            built.warnings += low_resolution_warnings(built, image_resolutions(document))
    variant = built.settings.pdf_variant
    date = edition.installment.date
    files = []
    if built.settings.embed_sources:
        files = [edition.installment_path, edition.series_path, *built.images]
    with timings.stage("pdf"):
        sources = sources_of(edition.installment_path.parent, files)
        portable = portable_html(built).encode()
        identifier = hashlib.md5(portable, usedforsecurity=False).hexdigest().encode()
        built.pdf = write_pdf(
            document,
            fetcher,
            edition.installment_path,
            variant,
            attachments(sources, date),
            identifier,
        )
    if variant and variant.startswith("pdf/x"):
        with timings.stage("preflight"):
            built.pdf = finish_for_print(built.pdf)
            check_print(built)
    elif variant and variant.startswith("pdf/a"):
        with timings.stage("pdf"):
            built.pdf = finish_archive(built.pdf, metadata_fields(built), date)
    return built


def portable_html(built: BuiltEdition) -> str:
    """The HTML without where the project lies: a moved project, or sources
    extracted from an archive elsewhere, make the same file."""
    roots = {built.project.root.resolve(), built.edition.installment_path.parent.resolve()}
    html = built.html
    for root in sorted(roots, key=lambda r: -len(str(r))):
        html = html.replace(root.as_uri(), "root:").replace(str(root), "root:")
    return html


MIN_PRINT_PPI = 240


def low_resolution_warnings(built: BuiltEdition, found: list[tuple[str, float]]) -> list[str]:
    """Images set at under 240 ppi on a print page, by file."""
    warnings = []
    for src, ppi in found:
        path = built.image_sources.get(src)
        if path is not None and ppi < MIN_PRINT_PPI:
            warnings.append(
                f"{display_path(path)}: {ppi:.0f} ppi on the page, under {MIN_PRINT_PPI} for print"
            )
    return warnings


def check_print(built: BuiltEdition) -> None:
    """Preflight the print PDF as a print shop would: errors fail the build."""
    from broadsheet.pdf.preflight import preflight

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(built.pdf)
        handle.flush()
        findings = preflight(Path(handle.name))
    name = f"{built.edition.series.id}/{built.edition.slug}/{built.variant}.pdf"
    errors = [f for f in findings if f.level == "error"]
    built.warnings += [f"preflight {name}: {f.message}" for f in findings if f.level != "error"]
    if errors:
        raise PrintError(
            [
                Diagnostic(built.edition.installment_path, f"preflight {name}: {f.message}")
                for f in errors
            ]
        )


def build_installment(
    installment_path: Path, outdir: Path, variant: str = DEFAULT_VARIANT
) -> BuiltEdition:
    """Build one variant of an installment; outputs are replaced only when every
    stage succeeded."""
    built = typeset_edition(render_html(installment_path, variant))
    html_path, pdf_path = built.output_paths(outdir)
    with built.timings.stage("write"):
        write_atomically({html_path: built.html.encode("utf-8"), pdf_path: built.pdf})
    built.written = [html_path, pdf_path]
    return built


def check_installment(installment_path: Path, variant: str = DEFAULT_VARIANT) -> BuiltEdition:
    """Every stage of a build, in memory: nothing is written."""
    return typeset_edition(render_html(installment_path, variant))
