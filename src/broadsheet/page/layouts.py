"""Layouts: a folder of Jinja2 templates, CSS and a ``layout.yaml`` that describes them."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from broadsheet.content.loader import validate
from broadsheet.content.schema import StrictModel
from broadsheet.content.yamlsource import SourceMap, parse_yaml, read_text
from broadsheet.diagnostics import ContentError, Diagnostic, LayoutError
from broadsheet.page.settings import Settings

LAYOUT_FILE = "layout.yaml"
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
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


def stylesheet_problem(folder: Path, name: str) -> str | None:
    """Why ``name`` cannot be a stylesheet of the layout in ``folder``, or None.

    A stylesheet is a ``.css`` file inside the layout folder, named relative to
    it. Only names, links and file types are looked at: nothing is opened, so a
    name like ``../../etc/passwd`` is refused before any reader sees the file.
    """
    layout = folder.name
    if URL_SCHEME.match(name) or name.startswith("//"):
        return f"stylesheet '{name}' is a URL: name a file of layout '{layout}'"
    if PurePosixPath(name).is_absolute() or Path(name).is_absolute() or "\\" in name:
        return f"stylesheet '{name}' is an absolute path: name a file of layout '{layout}'"
    # resolved (`..`, symlinks) and refused whether or not the target exists
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        return f"stylesheet '{name}' is outside layout '{layout}'"
    if PurePosixPath(name).suffix.lower() != ".css":
        return f"stylesheet '{name}' is not a .css file"
    try:
        mode = path.stat().st_mode
    except OSError:
        return f"stylesheet '{name}' not found in layout '{layout}'"
    if not stat.S_ISREG(mode):
        return f"stylesheet '{name}' is not a regular file"
    return None


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
    variants = config.variants
    named: list[tuple[tuple[str, ...], list[str]]] = [
        (("stylesheets",), config.stylesheets),
        (("defaults", "stylesheets"), config.defaults.stylesheets or []),
        *((("variants", v, "stylesheets"), c.stylesheets or []) for v, c in variants.items()),
    ]
    missing = [
        Diagnostic(
            config_path,
            problem,
            document.source.line_of((*loc, index)),
            ".".join(map(str, loc)),
        )
        for loc, names in named
        for index, sheet in enumerate(names)
        if (problem := stylesheet_problem(folder, sheet))
    ]
    if not (folder / config.template).is_file():
        where = document.source.line_of(("template",))
        missing.append(
            Diagnostic(config_path, f"file not found: {config.template}", where, "template")
        )
    if missing:
        raise LayoutError(missing)
    return layout
