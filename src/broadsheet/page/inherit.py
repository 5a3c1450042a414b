"""Layout inheritance: ``extends: newspaper`` in a layout's ``layout.yaml``.

A layout names the layout it builds on; it then says only what it changes.
Its ``layout.yaml`` is merged over its parent's, key by key and as deep as
the mappings go (``defaults``, ``page_formats``, ``variants`` and each
variant's ``composition``), so a child that changes one column count writes
one line. Lists are replaced whole, except the top-level ``stylesheets`` and
``fonts``: the parent's, then the child's new names. A colour (``colours.<name>``)
is replaced whole: its screen and print values are one decision. Files
(templates, stylesheets, fonts) are looked up child first, then parent: see
``Layout.find``.

The merged configuration is validated once; its source map remembers, for
each key, which ``layout.yaml`` wrote it, so an error (and ``broadsheet
config``) names the file and line of the chain that set the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.content.yamlsource import Loc, SourceMap, YamlDocument, parse_yaml, read_text
from broadsheet.diagnostics import ContentError, Diagnostic, LayoutError

LAYOUT_FILE = "layout.yaml"
# `extends` steps a layout may take: a chain deeper than this is a mistake,
# not a design, and the bound keeps a loaded chain small.
MAX_EXTENDS = 8
# A parent is a folder beside its child under layouts/: a name, never a path.
LAYOUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Top-level lists that add up along the chain instead of replacing the parent's.
APPENDED: frozenset[Loc] = frozenset({("stylesheets",), ("fonts",)})


@dataclass(frozen=True)
class Level:
    """One layout of a chain: its folder and its own layout.yaml."""

    name: str
    folder: Path
    document: YamlDocument


@dataclass
class ChainSource(SourceMap):
    """Lines of a merged layout.yaml, each with the file of the chain that wrote it."""

    paths: dict[Loc, Path] = field(default_factory=dict)

    def path_of(self, loc: Loc) -> Path:
        for depth in range(len(loc), 0, -1):
            if loc[:depth] in self.paths:
                return self.paths[loc[:depth]]
        return self.path

    def take(self, loc: Loc, level: SourceMap, as_loc: Loc | None = None) -> None:
        """``loc`` and everything under it as ``level`` wrote it (at ``as_loc``
        there: an appended list item moves to a new index)."""
        for known in [k for k in self.lines if k[: len(loc)] == loc]:
            del self.lines[known]
            self.paths.pop(known, None)
        source_loc = loc if as_loc is None else as_loc
        for known, line in level.lines.items():
            if known[: len(source_loc)] == source_loc:
                moved = (*loc, *known[len(source_loc) :])
                self.lines[moved] = line
                self.paths[moved] = level.path


def read_chain(layouts_dir: Path, name: str, where: Diagnostic) -> list[Level]:
    """The layout ``name`` and the layouts it extends, itself first; ``where``
    is the content field that named it. An unknown parent, a cycle or a chain
    deeper than MAX_EXTENDS is an error at the line of the ``extends`` at fault."""
    chain = [_read_level(layouts_dir, name, where, ContentError)]
    while (parent := chain[-1].document.data.get("extends")) is not None:
        child = chain[-1]
        source = child.document.source
        here = Diagnostic(source.path, "", source.line_of(("extends",)), "extends")

        def fail(message: str, here: Diagnostic = here) -> LayoutError:
            return LayoutError(Diagnostic(here.path, message, here.line, here.field))

        if not isinstance(parent, str) or not LAYOUT_NAME.match(parent):
            raise fail(f"'{parent}' is not a layout name (a folder under layouts/, no path)")
        names = [level.name for level in chain]
        if parent in names:
            steps = " → ".join([*names[names.index(parent) :], parent])
            raise fail(f"layout '{child.name}' extends '{parent}': a cycle ({steps})")
        if len(chain) > MAX_EXTENDS:
            raise fail(
                f"layout '{name}' extends more than {MAX_EXTENDS} layouts "
                f"({' → '.join([*names, parent])}): at most {MAX_EXTENDS}"
            )
        chain.append(_read_level(layouts_dir, parent, here, LayoutError))
    return chain


def _read_level(
    layouts_dir: Path, name: str, where: Diagnostic, error: type[ContentError | LayoutError]
) -> Level:
    folder = layouts_dir / name
    config_path = folder / LAYOUT_FILE
    if not config_path.is_file():
        available = ", ".join(sorted(p.parent.name for p in layouts_dir.glob(f"*/{LAYOUT_FILE}")))
        message = f"no layout '{name}' in {layouts_dir} (available: {available or 'none'})"
        raise error(Diagnostic(where.path, message, where.line, where.field))
    try:
        document = parse_yaml(read_text(config_path), config_path)
    except ContentError as exc:
        raise LayoutError(exc.diagnostics) from None
    if not isinstance(document.data, dict):
        kind = "empty" if document.data is None else type(document.data).__name__
        raise LayoutError(Diagnostic(config_path, f"expected a mapping of fields, found {kind}", 1))
    return Level(name, folder, document)


def merge_chain(chain: list[Level]) -> YamlDocument:
    """The chain's layout.yaml files as one document, the child's keys over its
    parent's (the root's first, each child merged over it in turn)."""
    root = chain[-1].document
    source = ChainSource(chain[0].document.source.path)
    source.take((), root.source)
    data: Any = root.data
    for level in reversed(chain[:-1]):
        data = _merge(data, level.document.data, (), source, level.document.source)
    return YamlDocument(data, source)


def _merge(base: Any, over: Any, loc: Loc, source: ChainSource, level: SourceMap) -> Any:
    if loc in APPENDED and isinstance(base, list) and isinstance(over, list):
        # the parent's names, then the child's new ones; a name both give is
        # the child's file, found by Layout.find, in the parent's place
        merged = list(base)
        for index, item in enumerate(over):
            if item not in merged:
                source.take((*loc, len(merged)), level, (*loc, index))
                merged.append(item)
        return merged
    whole_colour = len(loc) == 2 and loc[0] == "colours"
    if isinstance(base, dict) and isinstance(over, dict) and not whole_colour:
        merged = dict(base)
        for key, value in over.items():
            key_loc = (*loc, key)
            if key in base:
                merged[key] = _merge(base[key], value, key_loc, source, level)
            else:
                source.take(key_loc, level)
                merged[key] = value
        if loc in level.lines:
            # a key both set: blame the child, who changed what is under it
            source.lines[loc] = level.lines[loc]
            source.paths[loc] = level.path
        return merged
    source.take(loc, level)
    return over
