"""Pictures that reach for other files: refused with the file and line, in every variant."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from test_cli import edit, run

from broadsheet.diagnostics import ResourceError
from broadsheet.engine.fetcher import RefusedURL, SafeURLFetcher

PARAGRAPH = "抓项目就是抓发展，谋项目就是谋未来。"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
SVG += ' width="300" height="200">\n{}\n</svg>\n'

HOSTILE_SVGS = {
    "file url": ('<image href="file:///etc/passwd" width="10" height="10"/>', "file:///etc/passwd"),
    "xlink network": (
        '<image xlink:href="http://127.0.0.1:9/x.png" width="9" height="9"/>',
        "http://127.0.0.1:9/x.png",
    ),
    "parent folder": ('<image href="../../../secret.png" width="9" height="9"/>', "../../../"),
    "css import": (
        "<style>@import 'http://127.0.0.1:9/a.css';</style>",
        "http://127.0.0.1:9/a.css",
    ),
    "css url": ('<rect style="fill: url(/etc/passwd)" width="9" height="9"/>', "/etc/passwd"),
}


def with_picture(series: Path, name: str, text: str) -> None:
    (series / name).write_text(text, encoding="utf-8")
    edit(series / "02.md", f"\n{PARAGRAPH}", f"\n![图]({name})\n\n{PARAGRAPH}")


@pytest.mark.parametrize("case", sorted(HOSTILE_SVGS))
def test_svg_reaching_outside_itself_is_refused_in_every_variant(series: Path, case: str) -> None:
    element, target = HOSTILE_SVGS[case]
    with_picture(series, "chart.svg", SVG.format(element))
    code, output = run("check", series, "--json")
    assert code == 1
    report = json.loads(output)
    assert [r["status"] for r in report["results"]] == ["failed"] * 5
    (finding,) = report["diagnostics"]
    assert finding["path"].endswith("02.md") and finding["line"] == 24, finding
    assert f"image 'chart.svg' refers to '{target}" in finding["message"]
    assert "at its line 2" in finding["message"]  # the SVG's own line
    assert "self-contained" in finding["message"]


def test_svg_declaring_entities_is_refused(series: Path) -> None:
    xxe = '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n'
    with_picture(series, "xxe.svg", xxe + SVG.format("<text>&x;</text>"))
    code, output = run("check", series, "--variant", "a4")
    assert code == 1
    assert "02.md:24: body: image 'xxe.svg' has DOCTYPE at its line 2" in output


def test_self_contained_svg_with_internal_references_builds(series: Path, tmp_path: Path) -> None:
    chart = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#c00"/></linearGradient></defs>'
        '\n<rect id="bar" width="300" height="200" fill="url(#g)"/><use href="#bar"/>'
    )
    with_picture(series, "chart.svg", SVG.format(chart))
    code, output = run("build", series, "-o", tmp_path / "o", "--variant", "a4")
    assert code == 0, output


def test_a_picture_lost_while_the_pdf_is_drawn_fails_print_and_warns_on_screen(
    series: Path, tmp_path: Path
) -> None:
    # An inline picture inside the SVG is loaded only when the page is drawn:
    # the engine logs the failure then, after layout
    junk = base64.b64encode(b"no picture here").decode()
    element = f'<image href="data:image/png;base64,{junk}" width="300" height="200"/>'
    with_picture(series, "chart.svg", SVG.format(element))
    code, output = run("build", series, "-o", tmp_path / "o", "--variant", "print,a4")
    assert code == 1
    lines = output.splitlines()
    assert any(
        line.startswith("error: changzhi-2025/02/print:") and "Failed to load image" in line
        for line in lines
    ), output
    assert any(
        line.startswith("warning: changzhi-2025/02/a4:") and "Failed to load image" in line
        for line in lines
    ), output
    assert not (tmp_path / "o/changzhi-2025/02/print.pdf").exists()
    assert (tmp_path / "o/changzhi-2025/02/a4.pdf").exists()


def test_fetcher_keeps_what_it_refused_for_the_build_to_report(tmp_path: Path) -> None:
    fetcher = SafeURLFetcher([tmp_path])
    with pytest.raises(RefusedURL):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(RefusedURL):
        fetcher.fetch("https://example.com/x.png")
    with pytest.raises(ResourceError) as caught:
        fetcher.raise_refused(tmp_path / "02.md")
    messages = [d.message for d in caught.value.diagnostics]
    assert messages == [
        "outside the allowed folders: file:///etc/passwd",
        "network and other non-file URLs are not allowed: https://example.com/x.png",
    ]
    fetcher.raise_refused(tmp_path / "02.md")  # said once: nothing left to raise


def test_an_unsafe_link_is_set_as_text_with_a_warning_at_its_line(series: Path) -> None:
    from click.testing import CliRunner

    from broadsheet.cli import main

    installment = series / "02.md"
    text = installment.read_text(encoding="utf-8")
    old = "抓项目就是抓发展，谋项目就是谋未来。"
    assert old in text
    installment.write_text(
        text.replace(old, "抓项目就是[抓发展](javascript:alert(1))，谋项目就是谋未来。"),
        encoding="utf-8",
    )
    line = (
        installment.read_text(encoding="utf-8")
        .splitlines()
        .index("抓项目就是[抓发展](javascript:alert(1))，谋项目就是谋未来。")
        + 1
    )
    args = ["build", str(series), "-o", str(series.parent / "out"), "--variant", "screen"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    (said,) = [d for d in found["diagnostics"] if "javascript:" in d["message"]]
    assert said["level"] == "warning" and said["line"] == line and said["field"] == "body"
    assert said["path"].endswith("02.md")
    assert "set as plain text" in said["message"]
    strict = CliRunner().invoke(main, [*args, "--strict", "--force"])
    assert strict.exit_code == 1
