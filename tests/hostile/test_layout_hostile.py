"""A hostile layout: templates that reach for Python, stylesheets named out of the layout."""

from __future__ import annotations

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
