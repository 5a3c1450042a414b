"""A hostile layout: templates that reach for Python, stylesheets named out of the layout."""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path

import pytest
from test_cli import edit, run, snapshot

MASTHEAD = "layouts/newspaper/parts/masthead.html.j2"


@pytest.fixture
def built(series: Path, tmp_path: Path) -> Path:
    """An output folder holding a good earlier build of the sample (print variant)."""
    out = tmp_path / "out"
    code, output = run("build", series, "-o", out, "--variant", "print")
    assert code == 0, output
    return out


# Each reaches Python objects a template must not: a plain Jinja2 environment
# runs the shell commands and prints the others' internals. (``range.__self__``
# is no case: ``range`` is a type there, without ``__self__``, sandbox or not.)
ESCAPES = {
    "cycler globals": ("cycler.__init__.__globals__.os.popen('touch {mark}').read()", "unsafe"),
    "lipsum globals": ("lipsum.__globals__['os'].popen('touch {mark}').read()", "unsafe"),
    "subclasses": ("''.__class__.__mro__[1].__subclasses__()", "unsafe"),
    "template context": ("self._TemplateReference__context", "unsafe"),
    "attr filter": ("lipsum|attr('__globals__')", "unsafe"),
    # the immutable sandbox: a template cannot change what the pipeline gave it
    "context changed": ("stylesheets.append('x')", "unsafe"),
    "namespace globals": ("namespace.__init__.__globals__.os.popen('touch {mark}')", "unsafe"),
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_template_escape_is_refused_naming_template_and_line(
    case: str, project: Path, series: Path, built: Path, tmp_path: Path
) -> None:
    expression, reason = ESCAPES[case]
    mark = tmp_path / "ran"
    before = snapshot(built)
    edit(project / MASTHEAD, "{{ label }}", "{{ label }}{{ " + expression.format(mark=mark) + " }}")
    code, output = run("build", series, "-o", built, "--variant", "print")
    flat = output.replace("\n", "")
    assert code == 1, output
    assert "masthead.html.j2:3: template" in flat and reason in flat, flat
    assert not mark.exists()
    assert snapshot(built) == before


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the build opens through open() (Path.read_* included)."""
    seen: list[Path] = []
    real = io.open

    def spy(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)):
            seen.append(Path(file).resolve())
        return real(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(builtins, "open", spy)
    return seen


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A stylesheet outside the project: no build may read it."""
    path = tmp_path / "secret.css"
    path.write_text("body { color: red; }\n", encoding="utf-8")
    return path


def _line(path: Path, start: str) -> int:
    rows = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, row in enumerate(rows, 1) if row.startswith(start))


# name in the `stylesheets` setting → what the error says of it
BAD_NAMES = {
    "dotdot to /etc": ("../../../../../../../../etc/passwd", "is outside layout 'newspaper'"),
    "dotdot to a css file": ("../../../secret.css", "is outside layout 'newspaper'"),
    "absolute": ("/etc/passwd", "is an absolute path"),
    "absolute css": ("{secret}", "is an absolute path"),
    "not css": ("x.txt", "is not a .css file"),
    "symlink out": ("evil.css", "'evil.css' is outside layout 'newspaper'"),
    "url": ("http://example.com/x.css", "is a URL"),
    "folder": ("dir.css", "is not a regular file"),
    "missing": ("nope.css", "'nope.css' not found in layout 'newspaper'"),
}


def _hostile_layout(layout: Path, secret: Path) -> None:
    (layout / "x.txt").write_text("body {}", encoding="utf-8")
    (layout / "dir.css").mkdir()
    os.symlink(secret, layout / "evil.css")


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_installment_stylesheet_name_is_checked_before_anything_opens_it(
    case: str, project: Path, series: Path, built: Path, secret: Path, opened: list[Path]
) -> None:
    name, reason = BAD_NAMES[case]
    name = name.format(secret=secret)
    _hostile_layout(project / "layouts/newspaper", secret)
    before = snapshot(built)
    # the archive variant takes the installment's stylesheets (print has the layout's)
    edit(series / "02.md", "number: 2\n", f'number: 2\nsettings:\n  stylesheets: ["{name}"]\n')
    line = _line(series / "02.md", "  stylesheets:")
    for variant in ("archive", "print"):
        opened.clear()
        code, output = run("build", series, "-o", built, "--variant", variant)
        flat = output.replace("\n", "")
        assert code == 1, output
        assert f"02.md:{line}: stylesheets: stylesheet" in flat and reason in flat, flat
        assert secret.resolve() not in opened and Path("/etc/passwd") not in opened
        assert snapshot(built) == before


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_layout_stylesheet_name_is_checked_before_anything_opens_it(
    case: str, project: Path, series: Path, built: Path, secret: Path, opened: list[Path]
) -> None:
    name, reason = BAD_NAMES[case]
    name = name.format(secret=secret)
    layout = project / "layouts/newspaper"
    _hostile_layout(layout, secret)
    before = snapshot(built)
    edit(layout / "layout.yaml", "  - newspaper.css\n", f'  - newspaper.css\n  - "{name}"\n')
    edit(layout / "layout.yaml", "stylesheets: [a4.css]", f'stylesheets: [a4.css, "{name}"]')
    top = _line(layout / "layout.yaml", f'  - "{name}"')
    a4 = _line(layout / "layout.yaml", "    stylesheets: [a4.css,")
    code, output = run("build", series, "-o", built, "--variant", "print")
    flat = output.replace("\n", "")
    assert code == 1, output
    assert f"layout.yaml:{top}: stylesheets: stylesheet" in flat and reason in flat, flat
    assert f"layout.yaml:{a4}: variants.a4.stylesheets: stylesheet" in flat, flat
    assert secret.resolve() not in opened and Path("/etc/passwd") not in opened
    assert snapshot(built) == before
