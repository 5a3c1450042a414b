"""Layouts: a folder of Jinja2 templates, CSS and a ``layout.yaml`` that describes them."""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from broadsheet.content.loader import validate
from broadsheet.content.schema import StrictModel
from broadsheet.content.yamlsource import SourceMap
from broadsheet.diagnostics import ContentError, Diagnostic, LayoutError
from broadsheet.page.colours import Colour, ColourName
from broadsheet.page.inherit import LAYOUT_FILE, merge_chain, read_chain
from broadsheet.page.settings import Settings

__all__ = ["LAYOUT_FILE", "Layout", "LayoutConfig", "load_layout", "stylesheet_problem"]
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
Length = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?(mm|cm|in|pt|px)$")]


class PageFormat(StrictModel):
    label: str = Field(description="the name a layout desk uses, e.g. 对开")
    width: Length
    height: Length
    bleed: Length = "0mm"
    marks: Literal["none", "crop", "cross", "crop cross"] = "none"


class LayoutConfig(StrictModel):
    extends: str | None = Field(
        default=None, description="the layout this one builds on (page/inherit.py)"
    )
    description: str
    template: str = "page.html.j2"
    stylesheets: list[str] = Field(default_factory=list)
    fonts: list[str] = Field(default_factory=list, description="font families the CSS uses")
    colours: dict[ColourName, Colour] = Field(
        default_factory=dict, description="each colour's screen (RGB) and print (CMYK) value"
    )
    page_formats: dict[str, PageFormat]
    defaults: Settings = Field(default_factory=Settings, description="the layout's settings")
    variants: dict[str, Settings] = Field(
        default_factory=dict, description="settings the layout brings for named variants"
    )


@dataclass(frozen=True)
class Layout:
    name: str
    folder: Path
    config: LayoutConfig  # merged over the layouts it extends
    source: SourceMap  # each key's file and line, along the chain
    # the layouts it extends, nearest first: (name, folder)
    parents: tuple[tuple[str, Path], ...] = ()

    @property
    def chain(self) -> tuple[tuple[str, Path], ...]:
        return ((self.name, self.folder), *self.parents)

    @property
    def folders(self) -> tuple[Path, ...]:
        """Where the layout's files are looked up, its own folder first."""
        return tuple(folder for _, folder in self.chain)

    def find(self, name: str) -> Path:
        """The file ``name`` of the nearest layout of the chain that has it: a
        child's file replaces its parent's of the same name."""
        for folder in self.folders:
            if (folder / name).exists():
                return folder / name
        return self.folder / name

    def file_label(self, path: Path) -> str:
        """A layout file's name for the build key: relative to its own layout,
        a parent's under ``../<parent>/``, so the key does not depend on where
        the project lies."""
        if path.is_relative_to(self.folder):
            return str(path.relative_to(self.folder))
        for name, folder in self.parents:
            if path.is_relative_to(folder):
                return f"../{name}/{path.relative_to(folder)}"
        return str(path)

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
        return [self.find(s) for s in [*self.config.stylesheets, *(extra or [])]]


def stylesheet_problem(folders: Sequence[Path], name: str) -> str | None:
    """Why ``name`` cannot be a stylesheet of the layout whose chain of folders
    is ``folders`` (its own first), or None.

    A stylesheet is a ``.css`` file inside a layout folder of the chain, named
    relative to it. Only names, links and file types are looked at: nothing is
    opened, so a name like ``../../etc/passwd`` is refused before any reader
    sees the file.
    """
    layout = folders[0].name
    if URL_SCHEME.match(name) or name.startswith("//"):
        return f"stylesheet '{name}' is a URL: name a file of layout '{layout}'"
    if PurePosixPath(name).is_absolute() or Path(name).is_absolute() or "\\" in name:
        return f"stylesheet '{name}' is an absolute path: name a file of layout '{layout}'"
    for folder in folders:
        # resolved (`..`, symlinks) and refused whether or not the target exists
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()):
            return f"stylesheet '{name}' is outside layout '{folder.name}'"
        if PurePosixPath(name).suffix.lower() != ".css":
            return f"stylesheet '{name}' is not a .css file"
        try:
            mode = path.stat().st_mode
        except OSError:
            continue  # the next layout of the chain may have it
        if not stat.S_ISREG(mode):
            return f"stylesheet '{name}' is not a regular file"
        return None
    above = [folder.name for folder in folders[1:]]
    extended = f" or the layouts it extends ({', '.join(above)})" if above else ""
    return f"stylesheet '{name}' not found in layout '{layout}'{extended}"


def load_layout(layouts_dir: Path, name: str, where: Diagnostic) -> Layout:
    """Load ``layouts_dir/name`` with the layouts it extends; ``where`` is the
    content field that named it."""
    chain = read_chain(layouts_dir, name, where)
    document = merge_chain(chain)
    try:
        config = validate(LayoutConfig, document)
    except ContentError as exc:
        raise LayoutError(exc.diagnostics) from None
    source = document.source
    layout = Layout(
        name, chain[0].folder, config, source, tuple((c.name, c.folder) for c in chain[1:])
    )
    variants = config.variants
    named: list[tuple[tuple[str, ...], list[str]]] = [
        (("stylesheets",), config.stylesheets),
        (("defaults", "stylesheets"), config.defaults.stylesheets or []),
        *((("variants", v, "stylesheets"), c.stylesheets or []) for v, c in variants.items()),
    ]
    missing = [
        Diagnostic(
            source.path_of((*loc, index)),
            problem,
            source.line_of((*loc, index)),
            ".".join(map(str, loc)),
        )
        for loc, names in named
        for index, sheet in enumerate(names)
        if (problem := stylesheet_problem(layout.folders, sheet))
    ]
    if not layout.find(config.template).is_file():
        loc = ("template",)
        missing.append(
            Diagnostic(
                source.path_of(loc),
                f"file not found: {config.template}",
                source.line_of(loc),
                "template",
            )
        )
    if missing:
        raise LayoutError(missing)
    return layout
