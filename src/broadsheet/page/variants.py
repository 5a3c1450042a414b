"""The settings of one (installment, variant): which layout, page format and options."""

from __future__ import annotations

from pathlib import Path

from broadsheet.content import Edition
from broadsheet.content.yamlsource import SourceMap
from broadsheet.diagnostics import ContentError, Diagnostic
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
    # The layout is itself a setting: find it from the content first, then let
    # the chosen layout's defaults join the cascade.
    name = cascade(variant, [*before, *after]).layout
    where = cascade(variant, [*before, *after]).origins["layout"]
    layout = load_layout(layouts_dir, name, Diagnostic(where.path, "", where.line, "layout"))
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
