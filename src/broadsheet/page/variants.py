"""The settings of one (installment, variant): which layout, page format and options."""

from __future__ import annotations

from pathlib import Path

from broadsheet.content import Edition
from broadsheet.content.yamlsource import SourceMap
from broadsheet.diagnostics import BroadsheetError, ContentError, Diagnostic
from broadsheet.page.layouts import Layout, load_layout, stylesheet_problem
from broadsheet.page.settings import EffectiveSettings, Layer, Origin, Settings, cascade


def _layer(settings: Settings, source: SourceMap, prefix: tuple[str | int, ...]) -> Layer:
    origins = {
        name: Origin(source.path_of((*prefix, name)), source.line_of((*prefix, name)))
        for name in settings.model_fields_set
    }
    return Layer(settings, origins)


def _content_layers(edition: Edition, variant: str) -> tuple[list[Layer], list[Layer]]:
    """Layers from the content files: (series and installment, the variant's own)."""
    series, source = edition.series, edition.series_source
    top = {k: getattr(series, k) for k in ("layout", "page_format") if getattr(series, k)}
    before = [
        _layer(Settings(**top), source, ()),
        _layer(series.settings, source, ("settings",)),
        _layer(edition.installment.settings, edition.installment_source, ("settings",)),
    ]
    after = [_layer(series.variants[variant], source, ("variants", variant))]
    return before, after


def _variant_layout(
    variant: str,
    before: list[Layer],
    after: list[Layer],
    layouts_dir: Path,
    loaded: dict[Path, Layout] | None = None,
) -> Layout:
    # The layout is itself a setting: find it from the content first, then let
    # the chosen layout's defaults join the cascade.
    found = cascade(variant, [*before, *after])
    if loaded is not None and (layouts_dir / found.layout) in loaded:
        return loaded[layouts_dir / found.layout]
    where = found.origins["layout"]
    layout = load_layout(
        layouts_dir, found.layout, Diagnostic(where.path, "", where.line, "layout")
    )
    if loaded is not None:
        loaded[layout.folder] = layout
    return layout


def _undefined(edition: Edition, variant: str, layout: Layout) -> Diagnostic | None:
    """A variant the layout does not define, and the series gives no settings
    of its own (`web: {}`), would build with the layout's defaults alone,
    silently (a typo such as `prnit`, or `web` the layout never heard of): it is
    refused at the series file's line instead. A series may define a variant
    of its own (`print-x1a: {pdf_variant: pdf/x-1a, …}`)."""
    if variant in layout.config.variants:
        return None
    own = edition.series.variants.get(variant)
    if own is not None and own.model_fields_set:
        return None  # the series defines it, settings of its own over the defaults
    known = ", ".join(layout.config.variants) or "none"
    return Diagnostic(
        edition.series_path,
        f"layout '{layout.name}' has no variant '{variant}' and the series gives it no "
        f"settings of its own (the layout has: {known})",
        edition.series_source.line_of(("variants", variant)),
        f"variants.{variant}",
    )


def undefined_variants(
    edition: Edition, layouts_dir: Path, loaded: dict[Path, Layout] | None = None
) -> list[Diagnostic]:
    """The series' variants the layout of each does not define. A layout that
    cannot be loaded is left to the build, which reports it with its own line.
    ``loaded`` keeps the layouts read so far: a series' installments share them."""
    found = []
    for variant in edition.series.variants:
        try:
            before, after = _content_layers(edition, variant)
            layout = _variant_layout(variant, before, after, layouts_dir, loaded)
        except BroadsheetError:
            continue
        if (undefined := _undefined(edition, variant, layout)) is not None:
            found.append(undefined)
    return found


def resolve_variant(
    edition: Edition, variant: str, layouts_dir: Path
) -> tuple[Layout, EffectiveSettings]:
    """Cascade layout defaults → series → installment → variant for one build."""
    if variant not in edition.series.variants:
        known = ", ".join(edition.series.variants)
        raise ContentError(
            Diagnostic(
                edition.series_path,
                f"no variant '{variant}' in this series (it has: {known})",
                edition.series_source.line_of(("variants",)),
                "variants",
            )
        )
    before, after = _content_layers(edition, variant)
    layout = _variant_layout(variant, before, after, layouts_dir)
    if (undefined := _undefined(edition, variant, layout)) is not None:
        raise ContentError(undefined)
    # Every content file's stylesheet names, the overridden ones too, checked
    # before anything (the build key, the engine) opens a stylesheet; the
    # layout's own were checked as it loaded.
    refused = [
        Diagnostic(origin.path, problem, origin.line, "stylesheets")
        for layer in [*before, *after]
        if (origin := layer.origins.get("stylesheets"))
        for sheet in layer.settings.stylesheets or []
        if (problem := stylesheet_problem(layout.folders, sheet))
    ]
    if refused:
        raise ContentError(refused)
    layers = [
        _layer(layout.config.defaults, layout.source, ("defaults",)),
        *before,
        _layer(
            layout.config.variants.get(variant, Settings()), layout.source, ("variants", variant)
        ),
        *after,
    ]
    return layout, cascade(variant, layers)
