"""YAML and front matter parsing that remembers the line of every key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from broadsheet import limits
from broadsheet.diagnostics import ContentError, Diagnostic

Loc = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Line numbers (1-based) of the keys and items of one YAML document."""

    path: Path
    lines: dict[Loc, int] = field(default_factory=dict)
    default_line: int = 1

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest known key along ``loc``."""
        for depth in range(len(loc), 0, -1):
            if loc[:depth] in self.lines:
                return self.lines[loc[:depth]]
        return self.default_line

    def path_of(self, loc: Loc) -> Path:
        """The file that wrote ``loc``: one file here; a layout's merged
        configuration (page/inherit.py) answers for each key of its chain."""
        return self.path


# libyaml's parser when PyYAML has it: parsing is most of a no-change rebuild.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """SafeLoader that leaves dates as text: the schema parses them and reports
    a bad date with its field and line instead of a bare ValueError."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Base.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    data: Any
    source: SourceMap


def parse_yaml(text: str, path: Path, first_line: int = 1) -> YamlDocument:
    """Parse one YAML document; errors carry the file and line.

    ``first_line`` is the line of the file on which ``text`` starts, so that
    front matter reports lines of the whole file.
    """
    offset = first_line - 1
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_aliases(node, text, path, offset)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else None
        message = exc.problem or exc.context or "invalid YAML"
        raise ContentError(Diagnostic(path, f"invalid YAML: {message}", line=line)) from None
    except yaml.reader.ReaderError as exc:
        # a character YAML refuses (NUL, a control character): at its own line
        line = text[: exc.position].count("\n") + first_line
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"invalid YAML: character U+{code:04X} is not allowed"
        raise ContentError(Diagnostic(path, message, line=line)) from None
    except yaml.YAMLError as exc:
        raise ContentError(Diagnostic(path, f"invalid YAML: {exc}", line=first_line)) from None
    except ValueError as exc:
        # a value the constructor cannot make, e.g. an integer of 5,000 digits
        long_number = re.search(r"\d{1000,}", text)
        line = text[: long_number.start()].count("\n") + first_line if long_number else first_line
        raise ContentError(Diagnostic(path, f"invalid YAML value: {exc}", line=line)) from None
    finally:
        loader.dispose()
    source = SourceMap(path, default_line=first_line)
    duplicates: list[Diagnostic] = []
    if node is not None:
        _record_lines(node, (), source, offset, duplicates)
    if duplicates:
        raise ContentError(duplicates)
    return YamlDocument(data, source)


# Values a document's aliases may expand to: a series file that reuses a
# composition makes a few dozen; a "billion laughs" makes 9^levels.
ALIAS_EXPANSION = 10_000


def _refuse_aliases(root: yaml.Node, text: str, path: Path, offset: int) -> None:
    """Refuse a document whose aliases (``*name``) expand to more than
    ALIAS_EXPANSION values, before anything walks it expanded: nine aliases of
    nine aliases make 9^levels values from a few lines, which line tracking and
    validation would each expand. The walk stops at the bound, so it is cheap."""
    seen: set[int] = set()
    aliased = False
    expanded = 0
    stack = [root]
    while stack:
        node = stack.pop()
        expanded += 1
        aliased = aliased or id(node) in seen
        if aliased and expanded > ALIAS_EXPANSION:
            raise ContentError(
                Diagnostic(
                    path,
                    f"YAML aliases (*name) here expand to more than {ALIAS_EXPANSION:,} "
                    "values: write the values out",
                    _alias_line(text) + offset,
                )
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack += (key_node, value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _alias_line(text: str) -> int:
    """The line of the first alias: the composed tree keeps only the anchor's."""
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, yaml.AliasToken):
                return token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return 1


def _record_lines(
    node: yaml.Node, loc: Loc, source: SourceMap, offset: int, duplicates: list[Diagnostic]
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1 + offset
            # a merge key (<<: *base) has put its mapping's pairs first, written
            # elsewhere: a key of this mapping overrides those, as YAML says
            own = node.start_mark.index <= key_node.start_mark.index <= node.end_mark.index
            if own and key in seen:
                # YAML would silently keep the last value; an editor never means that.
                field_name = ".".join(str(p) for p in (*loc, key))
                duplicates.append(Diagnostic(source.path, "duplicate key", line, field_name))
            if own:
                seen.add(key)
            source.lines[(*loc, key)] = line
            _record_lines(value_node, (*loc, key), source, offset, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            source.lines[(*loc, index)] = item.start_mark.line + 1 + offset
            _record_lines(item, (*loc, index), source, offset, duplicates)


@dataclass
class FrontMatterFile:
    meta: YamlDocument
    body: str
    body_first_line: int


def split_front_matter(text: str, path: Path) -> FrontMatterFile:
    """Split ``---`` delimited YAML front matter from a Markdown body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise ContentError(
            Diagnostic(path, "an installment starts with a '---' line opening its front matter", 1)
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") in ("---", "..."):
            meta = parse_yaml("".join(lines[1:index]), path, first_line=2)
            body = "".join(lines[index + 1 :])
            return FrontMatterFile(meta, body, body_first_line=index + 2)
    raise ContentError(Diagnostic(path, "front matter is not closed by a '---' line", 1))


def read_text(path: Path) -> str:
    """A content file's text, refused unread when it is over the size bound."""
    bound = limits.active().content_bytes
    try:
        size = path.stat().st_size
        if size > bound:
            raise ContentError(
                Diagnostic(
                    path,
                    f"{size:,} bytes, over the limit of {bound:,} for a content file "
                    f"({limits.active().hint('content_bytes')})",
                )
            )
        # utf-8-sig: a byte order mark (Windows editors write one) is not text
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ContentError(Diagnostic(path, "not UTF-8 text", line)) from None
    except OSError as exc:
        raise ContentError(Diagnostic(path, f"cannot read: {exc.strerror}")) from None
