"""Where a build may read from: the project's content, layouts and assets folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The layouts that ship with broadsheet, used when the content lives outside a
# project folder of its own (a checkout installed in editable mode has them here).
BUNDLED_ROOT = Path(__file__).resolve().parents[2]
SYSTEM_ICC = Path("/usr/share/color/icc")


@dataclass(frozen=True)
class Project:
    root: Path
    content_root: Path

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"

    def allowed_roots(self, layout_dir: Path) -> list[Path]:
        """Folders whose files a build may read, symlinks resolved; besides the
        project's, the system's colour profiles (print output intents)."""
        roots = [self.content_root, layout_dir, self.assets_dir, SYSTEM_ICC]
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
    return Project(root=BUNDLED_ROOT, content_root=series_folder)


def _is_below(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return False
    return True
