"""A font family the layout asks for and the machine lacks is an error, not a silent substitute."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
from click.testing import CliRunner

from broadsheet.cli import main
from broadsheet.page.fontcheck import installed_families, missing_fonts


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_sample_layout_asks_only_for_installed_or_declared_families() -> None:
    layout = Path(__file__).resolve().parents[1] / "layouts" / "newspaper"
    assert missing_fonts(sorted(layout.glob("*.css"))) == []
    # Broadsheet Marks is the layout's own @font-face; the others are installed
    assert {"Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai"} <= installed_families()


def test_a_missing_family_fails_check_and_build_at_its_line(project: Path, tmp_path: Path) -> None:
    fonts_css = project / "layouts" / "newspaper" / "fonts.css"
    text = fonts_css.read_text(encoding="utf-8")
    # the case: a 方正 face named in the variable every body rule reads
    fonts_css.write_text(
        text.replace('--serif: "Noto Serif CJK SC", serif;', '--serif: "FZShuSong-Z01", serif;'),
        encoding="utf-8",
    )
    line = line_of(fonts_css, "FZShuSong-Z01")
    series = project / "content" / "changzhi-2025"
    code, output = run("check", series, "--variant", "print", "--json")
    assert code == 1
    found = [d for d in json.loads(output)["diagnostics"] if "FZShuSong-Z01" in d["message"]]
    assert len(found) == 1, output
    assert found[0]["path"].endswith("fonts.css") and found[0]["line"] == line
    assert found[0]["field"] == "--serif" and found[0]["level"] == "error"
    out = tmp_path / "out"
    code, output = run("build", series, "--variant", "print", "-o", out)
    assert code == 1 and "not installed" in output and "fonts.css:" in output
    assert not (out / "changzhi-2025" / "02" / "print.pdf").exists()


def test_a_family_in_a_rule_names_the_debian_package_when_known(project: Path) -> None:
    css = project / "layouts" / "newspaper" / "a4.css"
    css.write_text(
        css.read_text(encoding="utf-8")
        + '\n.standfirst { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif; }\n',
        encoding="utf-8",
    )
    series = project / "content" / "changzhi-2025"
    if "WenQuanYi Zen Hei" in (installed_families() or ()):
        return  # the machine has it: nothing to say
    code, output = run("check", series, "--variant", "a4")
    assert code == 1
    assert f"a4.css:{line_of(css, 'WenQuanYi')}" in output
    assert "apt-get install fonts-wqy-zenhei" in output
    # the other variants do not read a4.css: they are not held up by it
    code, output = run("check", series, "--variant", "print")
    assert code == 0, output


def test_doctor_reports_what_the_stylesheets_ask_for(project: Path, monkeypatch) -> None:
    css = project / "layouts" / "newspaper" / "newspaper.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\nh1 { font-family: Imaginary Grotesk, serif; }\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(project)
    code, output = run("doctor")
    assert code == 1
    assert "Imaginary Grotesk" in output and "newspaper.css" in output


def test_the_embedded_faces_are_the_asked_ones(sample_pdf: Path) -> None:
    # what the check protects: the PDF embeds the families the CSS names
    with pikepdf.open(sample_pdf) as pdf:
        names = {
            str(font.get("/BaseFont"))
            for page in pdf.pages
            for font in page.Resources.Font.values()
        }
    for family in ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "LXGW-WenKai"):
        assert any(n.split("+", 1)[-1].startswith(family) for n in names), (family, names)
