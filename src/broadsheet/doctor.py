"""Report the engine, libraries and fonts a build needs, with install commands."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

from broadsheet.diagnostics import BroadsheetError, Diagnostic, display_path
from broadsheet.engine import harfbuzz_subset_available, versions
from broadsheet.page.fontcheck import installed_families, missing_families, package_hint
from broadsheet.page.layouts import LAYOUT_FILE, load_layout


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    failed_as: str = "missing"  # what the status column says when not ok


def harfbuzz_subset_installed() -> bool:
    """The same question without importing WeasyPrint: is the library on the system?
    (The linker cache's listing read here is the one the engine's start reuses.)"""
    from broadsheet.engine import libraries

    return libraries.find_library("harfbuzz-subset") is not None


def font_installed(family: str) -> bool:
    """Whether fontconfig knows a font whose family is exactly ``family`` (from the
    one listing the stylesheets' font check reads, not a process per family)."""
    return family in (installed_families() or ())


def layout_fonts(layouts_dir: Path) -> tuple[dict[str, list[str]], list[Check]]:
    """Font family → the layouts that ask for it; and a failed check for each
    layout whose configuration cannot be read (its fonts are then unknown)."""
    needed: dict[str, list[str]] = {}
    broken: list[Check] = []
    for config_path in sorted(layouts_dir.glob(f"*/{LAYOUT_FILE}")):
        try:
            # with the layouts it extends: a child names only the fonts it adds
            name = config_path.parent.name
            config = load_layout(layouts_dir, name, Diagnostic(config_path, "")).config
        except BroadsheetError as exc:
            name = config_path.parent.name
            fix = f"correct {display_path(config_path)} (broadsheet check names every problem)"
            broken.append(Check(f"layout {name}", False, str(exc.diagnostics[0]), fix, "broken"))
            continue
        for family in config.fonts:
            needed.setdefault(family, []).append(config_path.parent.name)
    return needed, broken


def run_checks(layouts_dir: Path) -> list[Check]:
    engine = versions()
    checks = [
        Check("Python", True, platform.python_version()),
        Check("WeasyPrint", True, engine["weasyprint"]),
    ]
    pango_version = int(engine["pango_number"])
    checks.append(
        Check(
            "Pango",
            pango_version >= 14400,
            engine["pango"],
            None if pango_version >= 14400 else "apt-get install libpango-1.0-0 libpangoft2-1.0-0",
        )
    )
    subset = harfbuzz_subset_available()
    checks.append(
        Check(
            "HarfBuzz subset",
            subset,
            "found" if subset else "missing: font subsetting falls back to fontTools, ~40x slower",
            None if subset else "apt-get install libharfbuzz-subset0",
        )
    )
    needed, broken = layout_fonts(layouts_dir)
    checks += broken
    for family, layouts in sorted(needed.items()):
        ok = font_installed(family)
        checks.append(
            Check(
                f"font {family}",
                ok,
                f"{'installed' if ok else 'missing'} (used by {', '.join(layouts)})",
                None if ok else package_hint(family),
            )
        )
    # what the stylesheets ask for, beyond the list layout.yaml declares: with
    # the layouts a layout extends (a child's --serif feeds its parent's rules)
    for folder in sorted(p.parent for p in layouts_dir.glob(f"*/{LAYOUT_FILE}")):
        try:
            chain = load_layout(layouts_dir, folder.name, Diagnostic(folder, "")).folders
        except BroadsheetError:
            continue  # reported above as a broken layout
        stylesheets = [css for above in reversed(chain) for css in sorted(above.rglob("*.css"))]
        for item in missing_families(stylesheets):
            where = f"{display_path(item.path)}:{item.line}"
            detail = f"{where}: font family '{item.family}' is not installed"
            checks.append(Check(f"layout {folder.name}", False, detail, package_hint(item.family)))
    return checks
