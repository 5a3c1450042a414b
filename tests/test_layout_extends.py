"""Layout inheritance: ``extends:`` merges a child's layout.yaml over its parent's,
finds templates and stylesheets child first, and keys outputs on the whole chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import edit, run

from broadsheet.diagnostics import Diagnostic, LayoutError
from broadsheet.jobs.keys import build_key, job_inputs
from broadsheet.page.inherit import MAX_EXTENDS
from broadsheet.page.layouts import load_layout
from broadsheet.pipeline import render_html

NOWHERE = Diagnostic("series.yaml", "", 6, "layout")


def child(project: Path, name: str, yaml: str, banner: str | None = None) -> Path:
    """A layout under the project's layouts/; ``banner``: its own banner part."""
    folder = project / "layouts" / name
    folder.mkdir()
    (folder / "layout.yaml").write_text(yaml, encoding="utf-8")
    if banner is not None:
        (folder / "parts").mkdir()
        (folder / "parts" / "banner.html.j2").write_text(banner, encoding="utf-8")
    return folder


CHILD = """\
extends: newspaper
stylesheets: [child.css, newspaper.css]
fonts: [LXGW WenKai, Child Sans]
defaults:
  composition: {columns: 4, quote_spans: [2, 4]}
variants:
  print: {max_pages: 2}
"""


def test_a_child_changes_only_what_it_names(project: Path) -> None:
    folder = child(project, "child", CHILD)
    for name in ("child.css", "newspaper.css"):
        (folder / name).write_text("p {}", encoding="utf-8")
    layout = load_layout(project / "layouts", "child", NOWHERE)
    config = layout.config
    parent = project / "layouts" / "newspaper"
    assert config.description.startswith("中文报纸专版")  # the parent's
    # the parent's list, then the child's additions; a child's file of the same name wins
    assert config.stylesheets == ["fonts.css", "newspaper.css", "child.css"]
    assert layout.stylesheet_paths(["cmyk.css"]) == [
        parent / "fonts.css",
        folder / "newspaper.css",
        folder / "child.css",
        parent / "cmyk.css",
    ]
    assert config.fonts == ["Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai", "Child Sans"]
    # merged key by key, down into the composition
    composition = config.defaults.composition
    assert composition and (composition.columns, composition.gutter) == (4, "7mm")
    assert composition.quote_spans == [2, 4] and composition.leading == (1.62, 1.9)
    # a child's variant settings merge over the parent's same-named variant
    assert config.variants["print"].max_pages == 2
    assert config.variants["print"].pdf_variant == "pdf/x-4"
    assert set(config.page_formats) == {"duikai", "sikai", "duikai-screen", "a4"}
    # every key remembers which layout.yaml set it
    source = layout.source
    assert source.path_of(("defaults", "composition")) == folder / "layout.yaml"
    assert source.line_of(("defaults", "composition")) == 5
    assert source.path_of(("variants", "print", "pdf_variant")) == parent / "layout.yaml"
    assert source.path_of(("fonts", 3)) == folder / "layout.yaml"
    assert source.line_of(("fonts", 3)) == 3


def test_config_names_the_layout_file_of_each_setting(project: Path, series: Path) -> None:
    (child(project, "child", CHILD) / "child.css").write_text("p {}", encoding="utf-8")
    edit(series / "series.yaml", "layout: newspaper", "layout: child")
    code, output = run("config", series, "--installment", "2", "--variant", "print")
    assert code == 0, output
    lines = {line.split(" = ")[0]: line for line in output.splitlines() if " = " in line}
    assert lines["max_pages"].endswith("layouts/child/layout.yaml:7")
    assert "layouts/newspaper/layout.yaml" in lines["pdf_variant"]
    assert '"columns": 4' in lines["composition"]


def test_templates_come_from_the_child_first(project: Path, series: Path) -> None:
    banner = '<div class="banner" data-block="banner">晚报 {{ slogan }}</div>\n'
    child(project, "child", "extends: newspaper\n", banner)
    edit(series / "series.yaml", "layout: newspaper", "layout: child")
    built = render_html(series / "02.md", "screen")
    assert "晚报 大抓招商" in built.html  # the child's part
    assert 'class="masthead"' in built.html  # the parent's parts and page


def test_a_template_error_in_the_parent_names_the_parents_file(project: Path, series: Path) -> None:
    child(project, "child", "extends: newspaper\n")
    edit(series / "series.yaml", "layout: newspaper", "layout: child")
    edit(project / "layouts/newspaper/parts/masthead.html.j2", "{{ label }}", "{{ lable }}")
    code, output = run("build", series, "-o", project / "out", "--variant", "screen")
    assert code == 1
    assert "newspaper/parts/masthead.html.j2:3: template error: 'lable' is undefined" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("layouts", "message", "blamed"),
    [
        ({"a": "extends: newpaper\n"}, "no layout 'newpaper' in", "a/layout.yaml:1: extends"),
        (
            {"a": "extends: b\n", "b": "# b\nextends: a\n"},
            "layout 'b' extends 'a': a cycle (a → b → a)",
            "b/layout.yaml:2: extends",
        ),
        ({"a": "extends: a\n"}, "a cycle (a → a)", "a/layout.yaml:1: extends"),
        (
            {"a": "description: x\nextends: ../newspaper\n"},
            "'../newspaper' is not a layout name",
            "a/layout.yaml:2: extends",
        ),
        (
            {f"l{i}": f"extends: l{i + 1}\n" for i in range(MAX_EXTENDS + 1)}
            | {f"l{MAX_EXTENDS + 1}": "extends: newspaper\n"},
            f"layout 'l0' extends more than {MAX_EXTENDS} layouts",
            f"l{MAX_EXTENDS}/layout.yaml:1: extends",
        ),
        (
            {"a": "extends: newspaper\nvariants:\n  print: {stylesheets: [gone.css]}\n"},
            "stylesheet 'gone.css' not found in layout 'a' or the layouts it extends (newspaper)",
            "a/layout.yaml:3: variants.print.stylesheets",
        ),
        (
            {"a": "extends: newspaper\ndefaults:\n  composition: {columns: 4}\n"},
            "quote_spans: 5 is not between 1 and columns (4)",
            "a/layout.yaml:3: defaults.composition",
        ),
        (
            {"a": "extends: newspaper\ncolors: {}\n"},
            "unknown field (did you mean 'colours'?)",
            "a/layout.yaml:2: colors",
        ),
    ],
    ids=["unknown", "cycle", "self", "path", "deep", "stylesheet", "merged", "typo"],
)
def test_a_broken_chain_is_an_error_naming_file_line_and_field(
    project: Path, series: Path, layouts: dict[str, str], message: str, blamed: str
) -> None:
    for name, yaml in layouts.items():
        child(project, name, yaml)
    with pytest.raises(LayoutError) as caught:
        load_layout(project / "layouts", next(iter(layouts)), NOWHERE)
    found = str(caught.value.diagnostics[0])
    assert message in found and blamed in found, found
    # and the command line says it the same way, exit 1, no traceback
    edit(series / "series.yaml", "layout: newspaper", f"layout: {next(iter(layouts))}")
    code, output = run("check", series)
    flat = output.replace("\n", "")
    assert code == 1 and message in flat and "Traceback" not in flat


def test_the_build_key_and_the_stat_check_cover_the_parent(project: Path, series: Path) -> None:
    folder = child(project, "child", "extends: newspaper\nstylesheets: [child.css]\n")
    (folder / "child.css").write_text("p {}", encoding="utf-8")
    edit(series / "series.yaml", "layout: newspaper", "layout: child")
    parent = project / "layouts" / "newspaper"
    built = render_html(series / "02.md", "print")
    inputs = set(job_inputs(built))
    assert {parent, parent / "newspaper.css", parent / "layout.yaml"} <= inputs
    assert folder / "child.css" in inputs
    before = build_key(built)
    with (parent / "newspaper.css").open("a", encoding="utf-8") as css:
        css.write("\n/* a parent's edit */\n")
    assert build_key(render_html(series / "02.md", "print")) != before
    # a parent's stylesheet this variant does not use is no input of its key
    now = build_key(render_html(series / "02.md", "print"))
    with (parent / "a4.css").open("a", encoding="utf-8") as css:
        css.write("\n/* another variant's */\n")
    assert build_key(render_html(series / "02.md", "print")) == now


def test_editing_the_parent_rebuilds_the_childs_outputs(project: Path, series: Path) -> None:
    child(project, "child", "extends: newspaper\n")
    edit(series / "series.yaml", "layout: newspaper", "layout: child")
    out = project / "out"
    args = ("build", series, "-o", out, "--variant", "screen")
    code, output = run(*args)
    assert code == 0 and "built 1" in output, output
    code, output = run(*args)
    assert code == 0 and "up to date 1" in output, output
    edit(project / "layouts/newspaper/newspaper.css", "font-size: 30pt;", "font-size: 28pt;")
    code, output = run(*args)
    assert code == 0 and "built 1" in output, output
