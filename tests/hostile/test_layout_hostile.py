"""A hostile layout: templates that reach for Python, stylesheets named out of the layout."""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path

import pytest
from test_cli import edit, run, snapshot

MASTHEAD = "layouts/newspaper/parts/masthead.html.j2"


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


REFUSED_IMPORTS = {
    "file": ("file:///etc/passwd", "outside the allowed folders: file:///etc/passwd"),
    "network": ("http://example.com/x.css", "network and other non-file URLs are not allowed"),
}


@pytest.mark.parametrize("nested", [False, True], ids=["stylesheet", "imported stylesheet"])
@pytest.mark.parametrize("case", sorted(REFUSED_IMPORTS))
def test_refused_import_is_blamed_on_its_stylesheet_and_line(
    case: str, nested: bool, project: Path, series: Path, built: Path, opened: list[Path]
) -> None:
    url, reason = REFUSED_IMPORTS[case]
    layout = project / "layouts/newspaper"
    cmyk = layout / "cmyk.css"
    hostile = f'/* hostile */\n@import url("{url}");\n'
    if nested:
        # cmyk.css imports a stylesheet of the layout, which imports the URL
        (layout / "more").mkdir()
        (layout / "more/extra.css").write_text("/* extra */\n\n" + hostile, encoding="utf-8")
        hostile, blamed = '@import "more/extra.css";\n', "more/extra.css:4: "
    else:
        blamed = "newspaper/cmyk.css:2: "
    cmyk.write_text(hostile + cmyk.read_text(encoding="utf-8"), encoding="utf-8")
    before = snapshot(built)
    code, output = run("build", series, "-o", built, "--variant", "print")
    flat = output.replace("\n", "")
    assert code == 1, output
    assert blamed + reason in flat and url in flat, flat
    assert "02.md" not in flat
    assert Path("/etc/passwd") not in opened
    assert snapshot(built) == before


def test_css_errors_name_the_stylesheet_line_and_column(
    project: Path, series: Path, built: Path
) -> None:
    layout = project / "layouts/newspaper"
    css = layout / "newspaper.css"
    (layout / "extra.css").write_text("/* extra */\n.x { margin: 3 3 bogus; }\n", "utf-8")
    text = css.read_text(encoding="utf-8")
    css.write_text('@import "extra.css";\n' + text + ".x {\n  colr: red;\n}\n", "utf-8")
    line = len(text.splitlines()) + 3  # the import above, then `.x {`, then colr
    code, output = run("build", series, "-o", built, "--variant", "print")
    flat = output.replace("\n", "")
    assert code == 0, output
    assert f"newspaper.css:{line}:3: Ignored `colr: red`, unknown property." in flat, flat
    assert "extra.css:2:6: Ignored `margin: 3 3 bogus`, invalid value." in flat, flat
    assert "02.md" not in flat
    assert run("build", series, "-o", built, "--variant", "print", "--strict")[0] == 1


@pytest.mark.parametrize("case", sorted(REFUSED_IMPORTS))
def test_css_url_the_page_never_fetches_is_not_copied_beside_the_html(
    case: str, project: Path, series: Path, built: Path, opened: list[Path]
) -> None:
    """The written HTML takes its stylesheets' files along: only those the fetcher
    would serve, even where no rule of the page made the engine fetch one."""
    url, reason = REFUSED_IMPORTS[case]
    css = project / "layouts/newspaper/newspaper.css"
    text = css.read_text(encoding="utf-8")
    css.write_text(text + f".no-such-block {{\n  background: url({url});\n}}\n", "utf-8")
    line = len(text.splitlines()) + 2
    before = snapshot(built)
    code, output = run("build", series, "-o", built, "--variant", "print")
    flat = output.replace("\n", "")
    assert code == 1, output
    assert f"newspaper.css:{line}: {reason}" in flat, flat
    assert Path("/etc/passwd") not in opened
    assert snapshot(built) == before
