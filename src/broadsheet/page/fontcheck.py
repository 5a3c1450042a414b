"""Every font family a layout's stylesheets ask for, checked against the installed fonts.

WeasyPrint sets text in whatever face fontconfig substitutes for a family it
does not have, and says nothing: `--serif: "FZShuSong-Z01"` builds, and the PDF
embeds Noto Serif. Here each family named in a ``font-family`` declaration, or
in a custom property a ``font-family`` reads through ``var()``, must be
installed (fontconfig knows it) or declared by the layout's own ``@font-face``;
a missing one is an error at the stylesheet line that names it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from broadsheet.diagnostics import Diagnostic

# Debian packages that provide the families layouts are likely to ask for.
FONT_PACKAGES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Serif CJK TC": "fonts-noto-cjk",
    "Noto Sans CJK TC": "fonts-noto-cjk",
    "Noto Serif CJK JP": "fonts-noto-cjk",
    "Noto Sans CJK JP": "fonts-noto-cjk",
    "Noto Sans Mono CJK SC": "fonts-noto-cjk",
    "LXGW WenKai": "fonts-lxgw-wenkai",
    "LXGW WenKai Mono": "fonts-lxgw-wenkai",
    "AR PL UMing CN": "fonts-arphic-uming",
    "AR PL UKai CN": "fonts-arphic-ukai",
    "WenQuanYi Zen Hei": "fonts-wqy-zenhei",
    "WenQuanYi Micro Hei": "fonts-wqy-microhei",
    "Noto Serif": "fonts-noto-core",
    "Noto Sans": "fonts-noto-core",
    "DejaVu Serif": "fonts-dejavu-core",
    "DejaVu Sans": "fonts-dejavu-core",
}
GENERIC = {
    "serif",
    "sans-serif",
    "monospace",
    "cursive",
    "fantasy",
    "system-ui",
    "emoji",
    "math",
    "fangsong",
    "ui-serif",
    "ui-sans-serif",
    "ui-monospace",
    "ui-rounded",
    "inherit",
    "initial",
    "unset",
    "revert",
}


@dataclass(frozen=True)
class Named:
    """A family named in a stylesheet, and where."""

    family: str
    path: Path
    line: int
    column: int
    field: str = "font-family"  # or the custom property that names it


@cache
def installed_families() -> frozenset[str] | None:
    """Every family name fontconfig knows (each of a face's names, its
    localised ones included), read once a process; None without fontconfig."""
    if shutil.which("fc-list") is None:
        return None
    listing = subprocess.run(
        ["fc-list", "--format", "%{family}\n"], capture_output=True, text=True, check=False
    ).stdout
    return frozenset(name.strip() for line in listing.splitlines() for name in line.split(","))


def package_hint(family: str) -> str:
    package = FONT_PACKAGES.get(family)
    if package:
        return f"apt-get install {package}"
    return "install a package that provides it, or name an installed family (fc-list)"


def _families(
    tokens: list, path: Path, field: str = "font-family"
) -> tuple[list[Named], list[str]]:
    """The families of a ``font-family`` value, and the custom properties it reads."""
    named: list[Named] = []
    reads: list[str] = []
    words: list = []

    def flush() -> None:
        if words:
            name = " ".join(w.value for w in words)
            if name.lower() not in GENERIC:
                first = words[0]
                named.append(Named(name, path, first.source_line, first.source_column, field))
            words.clear()

    for token in tokens:
        if token.type == "string":
            flush()
            named.append(Named(token.value, path, token.source_line, token.source_column, field))
        elif token.type == "ident":
            words.append(token)
        elif token.type == "function" and token.lower_name == "var":
            flush()
            first = next((t for t in token.arguments if t.type == "ident"), None)
            if first is not None:
                reads.append(first.value)
        elif token.type not in ("whitespace", "comment"):
            flush()  # a comma, or anything else, ends a name of words
    flush()
    return named, reads


@cache
def _read(path: Path, mtime_ns: int) -> tuple[tuple, tuple, tuple]:
    """A stylesheet's font-family values, custom properties and @font-face families."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(
        path.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )
    uses: list[tuple[list[Named], list[str]]] = []
    properties: list[tuple[str, list[Named], list[str]]] = []
    declared: set[str] = set()

    def declarations(block: list, in_font_face: bool) -> None:
        for item in tinycss2.parse_blocks_contents(block, skip_comments=True, skip_whitespace=True):
            if item.type != "declaration":
                continue
            if item.lower_name == "font-family":
                named, reads = _families(item.value, path)
                if in_font_face:
                    declared.update(n.family for n in named)
                else:
                    uses.append((named, reads))
            elif item.name.startswith("--"):
                named, reads = _families(item.value, path, item.name)
                properties.append((item.name, named, reads))

    def walk(items: list) -> None:
        for rule in items:
            if rule.type == "qualified-rule":
                declarations(rule.content, False)
            elif rule.type == "at-rule" and rule.content is not None:
                if rule.lower_at_keyword == "font-face":
                    declarations(rule.content, True)
                elif rule.lower_at_keyword == "page":
                    declarations(rule.content, False)
                elif rule.lower_at_keyword in ("media", "supports", "layer"):
                    walk(tinycss2.parse_rule_list(rule.content, True, True))

    walk(rules)
    return tuple(uses), tuple(properties), tuple(sorted(declared))


def missing_fonts(stylesheets: list[Path]) -> list[Diagnostic]:
    """An error for each family the stylesheets ask for that is neither installed
    nor declared by their ``@font-face`` rules, at the line that names it."""
    return [
        Diagnostic(
            item.path,
            f"font family '{item.family}' is not installed, so the engine would set this "
            f"text in another face; {package_hint(item.family)}",
            item.line,
            item.field,
            item.column,
        )
        for item in missing_families(stylesheets)
    ]


def missing_families(stylesheets: list[Path]) -> list[Named]:
    """The families the stylesheets ask for that fontconfig does not know and
    their ``@font-face`` rules do not declare, each where it is named."""
    installed = installed_families()
    if installed is None:
        return []  # without fontconfig WeasyPrint finds no font at all: doctor says so
    uses, properties, declared = [], {}, set()
    for path in stylesheets:
        try:
            found = _read(path, path.stat().st_mtime_ns)
        except (OSError, UnicodeDecodeError):
            continue  # the engine names an unreadable stylesheet itself
        uses += found[0]
        for name, named, reads in found[1]:
            properties[name] = (named, reads)  # a later stylesheet's value wins
        declared.update(found[2])
    asked: dict[tuple, Named] = {}

    def take(named: list[Named], reads: list[str], seen: frozenset[str] = frozenset()) -> None:
        for item in named:
            asked.setdefault((item.family, item.path, item.line), item)
        for name in reads:
            if name in properties and name not in seen:
                take(*properties[name], seen | {name})

    for named, reads in uses:
        take(named, reads)
    return [
        item
        for item in asked.values()
        if item.family not in installed and item.family not in declared
    ]
