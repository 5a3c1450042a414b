"""Where a build may read from: the project's content, layouts and assets folders."""

from __future__ import annotations

import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from broadsheet.pdf import CMYK_PROFILE


def bundled_root() -> Path:
    """Where the layouts that ship with broadsheet lie: the checkout (an editable
    install), else the install's data folder (``pip install .`` puts them in
    ``<prefix>/share/broadsheet``, see pyproject.toml)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "layouts").is_dir():
        return checkout
    schemes = [sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")]
    for scheme in schemes:
        candidate = Path(sysconfig.get_path("data", scheme)) / "share" / "broadsheet"
        if (candidate / "layouts").is_dir():
            return candidate
    return checkout


# Used when the content lives outside a project folder of its own.
BUNDLED_ROOT = bundled_root()
# Colour profiles a layout may name as its output intent (/usr/share/color/icc).
SYSTEM_ICC = CMYK_PROFILE.parents[1]


@dataclass(frozen=True)
class Project:
    root: Path
    content_root: Path
    # no layouts/ folder above the content: the layouts that ship with broadsheet
    bundled: bool = False

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"

    def allowed_roots(self, layout_dirs: Sequence[Path]) -> list[Path]:
        """Folders whose files a build may read, symlinks resolved: the content,
        the folders of the layout and of every layout it extends (its CSS may
        use a parent's fonts), the assets, and the system's colour profiles
        (print output intents)."""
        roots = [self.content_root, *layout_dirs, self.assets_dir, SYSTEM_ICC]
        return [r.resolve() for r in roots if r.exists()]


def find_project(path: Path) -> Project:
    """The project of a content path: the nearest folder above it holding ``layouts/``."""
    path = path.resolve()
    start = path if path.is_dir() else path.parent
    series_folder = start
    for folder in (start, *start.parents):
        if (folder / "layouts").is_dir():
            content = folder / "content"
            content_root = content if _is_below(series_folder, content) else series_folder
            return Project(root=folder, content_root=content_root)
    return Project(root=BUNDLED_ROOT, content_root=series_folder, bundled=True)


def default_output(path: Path) -> Path:
    """Where ``build`` writes without ``-o``: ``output/`` beside the project's
    ``layouts/``, wherever the command runs from, so a desk's builds land in one
    place. Content outside any project (the bundled layouts) writes into
    ``./output`` of the working directory: the install's folder is no place for it."""
    project = find_project(path)
    return Path("output") if project.bundled else project.root / "output"


def _is_below(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return False
    return True
