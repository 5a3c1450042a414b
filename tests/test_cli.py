"""The command line as an editor uses it: builds, checks, errors and exit codes."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadsheet.cli import main

BIN = Path(sys.executable).parent / "broadsheet"


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (temporaries included) with its sha256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_series_writes_html_and_pdf_of_every_variant(series: Path, tmp_path: Path) -> None:
    built = tmp_path / "all"
    code, output = run("build", series, "-o", built)
    assert code == 0, output
    variants = ("a4", "archive", "print", "screen", "tabloid")
    # the HTML's stylesheets, fonts and print profile beside it (test_portable_html)
    layout = ("a4", "cmyk", "fonts", "newspaper", "screen", "tabloid")
    marks = ("BroadsheetMarks-Bold.otf", "BroadsheetMarks-Regular.otf")
    assets = [f"newspaper/{n}.css" for n in layout] + [f"newspaper/fonts/{n}" for n in marks]
    written = sorted(snapshot(built))
    profile = [p for p in written if p.startswith("changzhi-2025/02/assets/files/default_cmyk-")]
    plan = [p for p in written if p.startswith(".broadsheet-plan-") and p.endswith(".json")]
    assert len(profile) == 1 and len(plan) == 1
    assert written == sorted(
        [f"changzhi-2025/02/{v}.{ext}" for v in variants for ext in ("html", "pdf")]
        + [f"changzhi-2025/02/.{v}.build.json" for v in variants]
        + [f"changzhi-2025/02/assets/{name}" for name in assets]
        + profile
        + [".broadsheet.lock"]  # kept: removing it would race a second build
        + plan  # what the next build checks by file stats (test_uptodate)
    )
    assert (built / "changzhi-2025/02/print.pdf").read_bytes().startswith(b"%PDF-")


def test_build_one_file_reports_what_and_how_long(series: Path, tmp_path: Path) -> None:
    code, output = run("build", series / "02.md", "-o", tmp_path / "o", "--variant", "print")
    assert code == 0
    pdf = re.escape(str(tmp_path / "o/changzhi-2025/02/print.pdf"))
    assert re.search(rf"│ {pdf} +│ built +│ 1 +│ \d+ KiB │ [\d.]+s │", output)
    assert re.search(r"built 1, up to date 0, failed 0 of 1 in [\d.]+s into /", output)


def test_console_script_runs(series: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [BIN, "build", series, "-o", tmp_path / "o"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o/changzhi-2025/02/print.pdf").is_file()


def test_check_writes_nothing(series: Path, project: Path) -> None:
    before = snapshot(project)
    cwd = os.getcwd()
    os.chdir(project)
    try:
        code, output = run("check", series)
    finally:
        os.chdir(cwd)
    assert code == 0, output
    assert "ok " in output
    assert snapshot(project) == before
    assert not (project / "output").exists()


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["doctor"]])
def test_help(command: list[str]) -> None:
    code, output = run(*command, "--help")
    assert code == 0 and "Usage:" in output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("build")[0] == 2
    assert run("build", tmp_path / "nope")[0] == 2
    assert run("frobnicate")[0] == 2


def test_doctor_lists_engine_and_fonts() -> None:
    code, output = run("doctor")
    assert code == 0, output
    for name in ("WeasyPrint", "Pango", "HarfBuzz subset", "Noto Serif CJK SC", "LXGW WenKai"):
        assert name in output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BAD_INPUTS = {
    "unknown key": ("02.md", "headline:", "headlin:", "02.md:5: headlin: unknown field"),
    "wrong type": ("02.md", "number: 2", "number: [2]", "02.md:2: number:"),
    "bad yaml": ("02.md", "subhead: ——", 'subhead: "——', "02.md:"),
    "missing image": (
        "02.md",
        "抓项目就是抓发展，谋项目就是谋未来。",
        "抓项目就是抓发展，谋项目就是谋未来。\n![](photos/missing.jpg)",
        "02.md:25: body: image 'photos/missing.jpg' not found",
    ),
    "series typo": ("series.yaml", "layout:", "layuot:", "series.yaml:6: layuot: unknown field"),
    "unknown layout": (
        "series.yaml",
        "layout: newspaper",
        "layout: tabloid",
        "series.yaml:6: layout:",
    ),
    "unknown page format": (
        "series.yaml",
        "  print: {}",
        "  print: {page_format: a3}",
        "series.yaml:11: page_format: layout 'newspaper' has no page format 'a3'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_1_names_place_and_keeps_output(
    case: str, series: Path, built: Path
) -> None:
    file_name, old, new, expected = BAD_INPUTS[case]
    before = snapshot(built)
    edit(series / file_name, old, new)
    code, output = run("build", series, "-o", built, "--variant", "print")
    assert code == 1, output
    assert expected in output.replace("\n", "")
    assert snapshot(built) == before  # earlier output intact, no temporaries
    code, check_output = run("check", series)
    assert code == 1 and expected in check_output.replace("\n", "")


def test_undefined_template_variable_names_template_and_line(
    project: Path, series: Path, built: Path
) -> None:
    before = snapshot(built)
    edit(project / "layouts/newspaper/parts/masthead.html.j2", "{{ label }}", "{{ lable }}")
    code, output = run("build", series, "-o", built, "--variant", "print")
    assert code == 1
    assert "masthead.html.j2:3: template error: 'lable' is undefined" in output.replace("\n", "")
    assert snapshot(built) == before


def test_template_syntax_error_names_template_and_line(project: Path, series: Path) -> None:
    edit(project / "layouts/newspaper/parts/banner.html.j2", "{% endfor %}", "{% endfro %}")
    code, output = run("check", series)
    assert code == 1
    assert "banner.html.j2:3: template syntax:" in output.replace("\n", "")


def test_overflow_is_an_error_naming_block_and_amount(series: Path, built: Path) -> None:
    before = snapshot(built)
    body_end = "争取到各类政策性资金76.9亿元。"
    filler = "\n\n".join(["同时，运用谋划、储备、建设、达产达效“四库”管理模式。" * 6] * 12)
    edit(series / "02.md", body_end, body_end + "\n\n" + filler)
    # a4 may run onto more pages: a page for print may not
    code, output = run("build", series, "-o", built, "--variant", "print,tabloid")
    assert code == 1
    flat = output.replace("\n", "")
    # each variant names the article and the amount over, in lines and characters
    overset = re.findall(
        r"02\.md: article: overset by (\d+) lines \(≈ (\d+) characters to cut\)", flat
    )
    assert len(overset) == 2, flat
    added = len(re.sub(r"\s", "", filler))
    for lines, chars in overset:
        assert int(lines) > 0
        # the sample filled the page: what runs over is of the order of what was added
        assert added / 2 <= int(chars) <= added * 1.2, (chars, added)
    assert "failed 2 of 2" in flat
    assert snapshot(built) == before


def test_script_in_content_is_text(series: Path, tmp_path: Path) -> None:
    edit(
        series / "02.md",
        "抓项目就是抓发展，谋项目就是谋未来。",
        "<script>alert('x')</script>",
    )
    out = tmp_path / "o"
    code, output = run("build", series, "-o", out)
    assert code == 0, output
    html = (out / "changzhi-2025/02/print.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    import pdfplumber

    with pdfplumber.open(out / "changzhi-2025/02/print.pdf") as pdf:
        text = "".join(c["text"] for c in pdf.pages[0].chars)
    assert "<script>alert('x')</script>" in text


def test_not_a_series_folder(tmp_path: Path) -> None:
    code, output = run("build", tmp_path)
    assert code == 1 and "not a series folder" in output


def test_doctor_names_install_command_for_missing_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    from broadsheet import doctor

    monkeypatch.setattr(doctor, "font_installed", lambda family: family != "LXGW WenKai")
    monkeypatch.setattr(doctor, "harfbuzz_subset_available", lambda: False)
    code, output = run("doctor")
    assert code == 1
    assert "apt-get install fonts-lxgw-wenkai" in output
    assert "apt-get install libharfbuzz-subset0" in output


def test_build_warns_without_harfbuzz_subset(
    monkeypatch: pytest.MonkeyPatch, series: Path, tmp_path: Path
) -> None:
    from broadsheet import doctor

    monkeypatch.setattr(doctor, "harfbuzz_subset_installed", lambda: False)
    code, output = run("build", series, "-o", tmp_path / "o")
    assert code == 0
    assert "warning: HarfBuzz subset library missing" in output
    assert "apt-get install libharfbuzz-subset0" in output.replace("\n", " ")


HALF_WIDTH_INSTALLMENT = """\
---
number: 1
date: 2025-01-01
headline: 标题:测试
editors_note: |
  编者按正文,第一段。

  第二段"引号"测试...
---
正文第一段,有(括号)和!感叹号
跨行的"引号
内容"继续。

推进 777 个项目--破折号。
"""


def test_check_lists_each_normalisation_and_sources_stay_as_written(
    project: Path, tmp_path: Path
) -> None:
    series = project / "content" / "fixture"
    series.mkdir()
    # A few lines of text, too few to fill (or balance) a page's columns: the
    # series is built as the reading copy that runs one column over pages (a4).
    (series / "series.yaml").write_text(
        "id: fixture\ntitle: 2025, 测试这一年\nvariants:\n  a4: {}\n", encoding="utf-8"
    )
    source = series / "01.md"
    source.write_text(HALF_WIDTH_INSTALLMENT, encoding="utf-8")
    before = snapshot(series)
    code, output = run("check", series)
    assert code == 0, output
    notes = [line for line in output.splitlines() if line.startswith("note: ")]
    expected = [
        "series.yaml:2:12: title: ', ' → '，'",
        "01.md:4:13: headline: ':' → '：'",
        "01.md:6:8: editors_note: ',' → '，'",
        "01.md:8:6: editors_note: '\"' → '“'",
        "01.md:8:9: editors_note: '\"' → '”'",
        "01.md:8:12: editors_note: '...' → '……'",
        "01.md:10:6: body: ',' → '，'",
        "01.md:10:8: body: '(' → '（'",
        "01.md:10:11: body: ')' → '）'",
        "01.md:10:13: body: '!' → '！'",
        "01.md:11:4: body: '\"' → '“'",
        "01.md:12:3: body: '\"' → '”'",
        # a deletion is shown with its neighbours: never an empty side
        "01.md:14:2: body: '进 7' → '进7'",
        "01.md:14:6: body: '7 个' → '7个'",
        "01.md:14:11: body: '--' → '——'",
    ]
    assert len(notes) == len(expected), notes
    for note, tail in zip(notes, expected, strict=True):
        assert note.endswith(tail), (note, tail)
    out = tmp_path / "o"
    assert run("build", series, "-o", out)[0] == 0
    assert snapshot(series) == before  # normalised at build time only
    html = (out / "fixture/01/a4.html").read_text(encoding="utf-8")
    for normalised in (
        "标题：测试",
        "正文第一段，有（括号）和！感叹号",
        "跨行的“引号",
        "内容”继续",
    ):
        assert normalised in html.replace("\u200b", "").replace("\u2060", "").replace("\ufeff", "")
