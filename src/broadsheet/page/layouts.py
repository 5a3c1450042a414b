"""Layouts: a folder of Jinja2 templates, CSS and a ``layout.yaml`` that describes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from broadsheet.content.loader import validate
from broadsheet.content.schema import StrictModel
from broadsheet.content.yamlsource import SourceMap, parse_yaml, read_text
from broadsheet.diagnostics import ContentError, Diagnostic, LayoutError
from broadsheet.page.settings import Settings

LAYOUT_FILE = "layout.yaml"
Length = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?(mm|cm|in|pt|px)$")]


class PageFormat(StrictModel):
    label: str = Field(description="the name a layout desk uses, e.g. 对开")
    width: Length
    height: Length
    bleed: Length = "0mm"
    marks: Literal["none", "crop", "cross", "crop cross"] = "none"


class LayoutConfig(StrictModel):
    description: str
    template: str = "page.html.j2"
    stylesheets: list[str] = Field(default_factory=list)
    fonts: list[str] = Field(default_factory=list, description="font families the CSS uses")
    page_formats: dict[str, PageFormat]
    defaults: Settings = Field(default_factory=Settings, description="the layout's settings")
    variants: dict[str, Settings] = Field(
        default_factory=dict, description="settings the layout brings for named variants"
    )


@dataclass(frozen=True)
class Layout:
    name: str
    folder: Path
    config: LayoutConfig
    source: SourceMap

    def page_format(self, name: str, where: Diagnostic) -> PageFormat:
        try:
            return self.config.page_formats[name]
        except KeyError:
            known = ", ".join(sorted(self.config.page_formats))
            raise ContentError(
                Diagnostic(
                    where.path,
                    f"layout '{self.name}' has no page format '{name}' (it has: {known})",
                    where.line,
                    where.field,
                )
            ) from None

    def stylesheet_paths(self, extra: list[str] | None = None) -> list[Path]:
        return [self.folder / s for s in [*self.config.stylesheets, *(extra or [])]]


def load_layout(layouts_dir: Path, name: str, where: Diagnostic) -> Layout:
    """Load ``layouts_dir/name``; ``where`` is the content field that named it."""
    folder = layouts_dir / name
    config_path = folder / LAYOUT_FILE
    if not config_path.is_file():
        available = ", ".join(sorted(p.parent.name for p in layouts_dir.glob(f"*/{LAYOUT_FILE}")))
        raise ContentError(
            Diagnostic(
                where.path,
                f"no layout '{name}' in {layouts_dir} (available: {available or 'none'})",
                where.line,
                where.field,
            )
        )
    try:
        document = parse_yaml(read_text(config_path), config_path)
        config = validate(LayoutConfig, document)
    except ContentError as exc:
        raise LayoutError(exc.diagnostics) from None
    layout = Layout(name, folder, config, document.source)
    extra = [s for v in config.variants.values() for s in v.stylesheets or []]
    extra += config.defaults.stylesheets or []
    missing = [
        Diagnostic(config_path, f"file not found: {p.name}", field="stylesheets")
        for p in layout.stylesheet_paths(extra)
        if not p.is_file()
    ]
    if not (folder / config.template).is_file():
        where = document.source.line_of(("template",))
        missing.append(
            Diagnostic(config_path, f"file not found: {config.template}", where, "template")
        )
    if missing:
        raise LayoutError(missing)
    return layout
