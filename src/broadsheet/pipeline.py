"""The orchestrator: content → text → HTML → layout → page check → PDF → files."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from broadsheet.compose.rules import Composition
from broadsheet.content import Edition, load_edition
from broadsheet.diagnostics import (
    ContentError,
    Diagnostic,
    LayoutError,
    PageOverflowError,
    ResourceError,
    display_path,
    warning,
)
from broadsheet.output import write_atomically
from broadsheet.page.colours import css_values
from broadsheet.page.fontcheck import missing_fonts
from broadsheet.page.layouts import Layout
from broadsheet.page.render import page_context, render_page
from broadsheet.page.resources import ResourceResolver
from broadsheet.page.settings import EffectiveSettings
from broadsheet.page.variants import resolve_variant
from broadsheet.pdf import CMYK_PROFILE, EditionFacts, PdfFlavour, finish, flavour
from broadsheet.project import Project, find_project
from broadsheet.text.prepare import prepare_text

DEFAULT_VARIANT = "print"
# A layout that declares no composition gets one column over pages.
FLOW = Composition(mode="flow", columns=1, figure_spans=[1], quote_spans=[1], box_spans=[1])


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
    image_lines: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)
    pdf: bytes = b""
    pages: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    written: list[Path] = field(default_factory=list)
    # The page template's context: composing renders it again with the plan.
    context: dict = field(default_factory=dict)
    draft: bool = False
    draft_print: bool = False  # placeholders taken in a print or archive variant (asked)
    fit: object | None = None  # compose.fit.FitReport of the laid-out page

    def output_paths(self, outdir: Path) -> tuple[Path, Path]:
        return output_paths(outdir, self.edition.series.id, self.edition.slug, self.variant)

    @property
    def name(self) -> str:
        return f"{self.edition.series.id}/{self.edition.slug}/{self.variant}"

    @property
    def flavour(self) -> PdfFlavour | None:
        return flavour(self.settings.pdf_variant)


def output_paths(outdir: Path, series_id: str, slug: str, variant: str) -> tuple[Path, Path]:
    folder = outdir / series_id / slug
    return folder / f"{variant}.html", folder / f"{variant}.pdf"


def render_html(
    installment_path: Path,
    variant: str = DEFAULT_VARIANT,
    timings: Timings | None = None,
    draft: bool = False,
    draft_print: bool = False,
) -> BuiltEdition:
    """Load, validate and normalise an installment and render one variant's HTML.
    A ``draft`` of a screen or proof variant may hold placeholders: marked on
    the page and in the title, each a warning at its line; of a print or
    archive variant only when asked (``draft_print``: a proof for the desk,
    never a file for the press)."""
    timings = timings or Timings()
    unfilled: list[Diagnostic] = []
    with timings.stage("content"):
        edition = load_edition(installment_path, unfilled if draft else None)
        project = find_project(installment_path)
        layout, settings = resolve_variant(edition, variant, project.layouts_dir)
        if unfilled and flavour(settings.pdf_variant) is not None and not draft_print:
            # a file for the press or the archive never carries a placeholder
            hint = (
                "a draft sets them in screen and proof variants only, "
                "not print or archive unless asked (--draft-print)"
            )
            last = replace(unfilled[-1], message=f"{unfilled[-1].message} ({hint})")
            raise ContentError([*unfilled[:-1], last])
        origin = settings.origins["page_format"]
        page = layout.page_format(
            settings.page_format, Diagnostic(origin.path, "", origin.line, "page_format")
        )
        # every name was checked as the variant resolved (page.variants)
        stylesheets = layout.stylesheet_paths(settings.stylesheets)
        if missing := missing_fonts(stylesheets):
            raise LayoutError(missing)
    kind = flavour(settings.pdf_variant)
    with timings.stage("text"):
        resolver = ResourceResolver(
            installment_path.parent,
            project.allowed_roots(layout.folders),
            installment_path,
            image_dpi=settings.image_dpi,
            page_width=page.width,
            cmyk_profile=CMYK_PROFILE if kind and kind.cmyk_images else None,
            inline=bool(kind and kind.inline_images),
        )
        text = prepare_text(edition, resolver.image)
        if resolver.problems:
            raise ContentError(resolver.problems)
    with timings.stage("html"):
        context = page_context(
            text.values,
            settings.hide,
            series=edition.series,
            installment=edition.installment,
            variant=variant,
            settings=settings,
            page=page,
            page_format=settings.page_format,
            # screen or print values of the layout's colours, for the :root block
            colours=css_values(layout.config.colours, cmyk=bool(kind and kind.cmyk_colours)),
            stylesheets=[p.resolve().as_uri() for p in stylesheets],
            grid=settings.composition or FLOW,
            plan=None,
            measuring=True,
            extra_only=False,
            # the stylesheet's sizes first; the other steps only if needed
            measure_type_scales=[1.0],
            measure_note_scales=[1.0],
            # the headline's steps decide where the area starts: all, at once
            measure_headline_scales=(settings.composition or FLOW).headline_scales[1:],
            # a draft with placeholders: marked on the page (render_page) and in the title
            draft_placeholders=bool(unfilled),
        )
        # What is rendered (and keyed) here is the measuring page: the page as
        # composed follows from it, the fonts and the engine alone.
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
        resolver.asked,
        notes=text.notes,
        timings=timings,
        context=context,
        draft=draft,
        draft_print=draft_print,
        warnings=[
            *text.warnings,
            *(
                replace(d, level="warning", message=f"draft: {d.message}", subject=None)
                for d in unfilled
            ),
        ],
    )


def typeset_edition(built: BuiltEdition) -> BuiltEdition:
    """Lay out the HTML, check the laid-out pages, and make the PDF bytes."""
    # The engine and the PDF libraries are imported only here: a rebuild that
    # finds everything up to date never pays their half-second import.
    from broadsheet.pdf.archival import attachments, metadata_fields, sources_of

    edition, timings = built.edition, built.timings
    source = edition.installment_path
    roots = built.project.allowed_roots(built.layout.folders)
    kind = built.flavour
    laid_out = compose_page(built, roots)
    with timings.stage("inspect"):
        laid_out.check_fit(built.settings.max_pages, built.settings.article_may_continue)
        built.pages = laid_out.page_count
        if kind and kind.min_image_ppi:
            built.warnings += low_resolution_warnings(
                built, laid_out.image_resolutions(), kind.min_image_ppi
            )
    date = edition.installment.date
    files = []
    if built.settings.embed_sources:
        files = [source, edition.series_path, *built.images]
    with timings.stage("pdf"):
        sources = sources_of(source.parent, files)
        portable = portable_html(built).encode()
        identifier = hashlib.md5(portable, usedforsecurity=False).hexdigest().encode()
        built.pdf = laid_out.write_pdf(
            built.settings.pdf_variant, attachments(sources, date), identifier
        )
        built.warnings += engine_findings(laid_out.pdf_warnings, built)
    if kind:
        facts = EditionFacts(f"{built.name}.pdf", source, date, metadata_fields(built))
        with timings.stage("preflight" if kind.purpose == "print" else "pdf"):
            built.pdf, found = finish(kind, built.pdf, facts)
        built.warnings += found
    return built


def compose_page(built: BuiltEdition, roots: list[Path]):
    """Measure the texts once, compose the page, lay it out once, and judge its fit."""
    from broadsheet import engine
    from broadsheet.compose.fit import fit_diagnostics, items_of
    from broadsheet.compose.plan import compose, plan_fits
    from broadsheet.page.resources import pixel_sizes

    timings, source = built.timings, built.edition.installment_path
    rules = built.context["grid"]
    with timings.stage("measure"):
        measures = engine.measure_page(built.html, source.parent, roots, source)
    with timings.stage("compose"), _no_room_is_overflow(source):
        ppi = built.flavour.min_image_ppi if built.flavour else 0
        items = items_of(built.context, pixel_sizes(built.image_sources), rules, ppi or 0)
        plan = compose(measures, rules, items)
        extra = {
            "measure_type_scales": [s for s in rules.type_scales if s not in measures.flows],
            "measure_note_scales": [s for s in rules.note_scales if s not in measures.notes],
            "measure_headline_scales": [
                s for s in rules.headline_scales if s not in measures.headlines
            ],
        }
        if any(extra.values()) and not plan_fits(plan):
            # the stylesheet's sizes do not fit: measure the other size steps
            # the layout allows, and choose again
            again = {**built.context, "extra_only": True, **extra}
            more = engine.measure_page(
                render_page(built.layout, again), source.parent, roots, source
            )
            measures = replace(
                measures,
                flows={**measures.flows, **more.flows},
                notes={**measures.notes, **more.notes},
                headlines={**measures.headlines, **more.headlines},
            )
            plan = compose(measures, rules, items)
    context = {**built.context, "plan": plan, "measuring": False, "overset": 0}
    with timings.stage("layout"):
        built.html = render_page(built.layout, context)
        laid_out = engine.lay_out(built.html, source.parent, roots, source, [])
        limit = 0 if built.settings.article_may_continue else built.settings.max_pages
        report = laid_out.fit_report(plan, measures, rules, built.draft, limit)
        if built.draft and report.overset_lines:
            # a draft shows the desk where the text runs over, and by how much;
            # the text that does not fit follows on a page of its own
            built.html = render_page(built.layout, {**context, "overset": report.overset_lines})
            laid_out = engine.lay_out(built.html, source.parent, roots, source, [])
            report = laid_out.fit_report(plan, measures, rules, True, limit)
    built.warnings += engine_findings(laid_out.warnings, built)
    built.fit = report
    kind = built.flavour
    found = fit_diagnostics(report, source, bool(kind and kind.purpose == "print"), built.name)
    errors = [d for d in found if d.level == "error"]
    if errors and not built.draft:
        raise PageOverflowError(found)
    built.warnings += [
        d if d.level == "warning" else warning(d.path, f"draft: {d.message}", subject=d.subject)
        for d in found
    ]
    return laid_out


# What the engine logs when a picture is missing from the page.
PICTURE_LOST = "Failed to load image"


def engine_findings(found: list[Diagnostic], built: BuiltEdition) -> list[Diagnostic]:
    """The engine's warnings for this output: a picture that failed to load is
    an error in a print or archive file (a page without its picture must not
    reach the press or the archive), a warning on screen."""
    kind = built.flavour
    lost_is_error = bool(kind and kind.purpose in ("print", "archive"))
    named = [replace(d, subject=built.name) for d in found]
    errors = [
        replace(d, level="error") for d in named if lost_is_error and PICTURE_LOST in d.message
    ]
    if errors:
        raise ResourceError(errors)
    return named


@contextmanager
def _no_room_is_overflow(source: Path) -> Iterator[None]:
    from broadsheet.compose.plan import NoRoomError

    try:
        yield
    except NoRoomError as exc:
        raise PageOverflowError(Diagnostic(source, str(exc))) from None


def portable_html(built: BuiltEdition) -> str:
    """The HTML without where the project lies: a moved project, or sources
    extracted from an archive elsewhere, make the same file."""
    roots = {built.project.root.resolve(), built.edition.installment_path.parent.resolve()}
    html = built.html
    for root in sorted(roots, key=lambda r: -len(str(r))):
        html = html.replace(root.as_uri(), "root:").replace(str(root), "root:")
    return html


def low_resolution_warnings(
    built: BuiltEdition, found: list[tuple[str, float]], min_ppi: int
) -> list[Diagnostic]:
    """Images set at under ``min_ppi`` on the page, at the content line that asks for each."""
    source = built.edition.installment_path
    return [
        warning(
            source,
            f"image '{display_path(path)}': {ppi:.0f} ppi on the page, under {min_ppi} for print",
            line=line,
            field=field_name,
        )
        for src, ppi in found
        if (path := built.image_sources.get(src)) is not None and ppi < min_ppi
        for line, field_name in [built.image_lines.get(src, (None, None))]
    ]


def build_installment(
    installment_path: Path, outdir: Path, variant: str = DEFAULT_VARIANT, draft: bool = False
) -> BuiltEdition:
    """Build one variant of an installment; outputs are replaced only when every
    stage succeeded. ``draft`` writes a page that does not fit, overset marked."""
    built = render_html(installment_path, variant)
    built.draft = draft
    built = typeset_edition(built)
    html_path, pdf_path = built.output_paths(outdir)
    with built.timings.stage("write"):
        from broadsheet.page.portable import output_html

        html, assets = output_html(built, html_path)
        files = {html_path: html.encode("utf-8"), pdf_path: built.pdf, **assets}
        write_atomically(files, inside=outdir)
    built.written = [html_path, pdf_path]
    return built


def check_installment(installment_path: Path, variant: str = DEFAULT_VARIANT) -> BuiltEdition:
    """Every stage of a build, in memory: nothing is written."""
    return typeset_edition(render_html(installment_path, variant))
