"""build --draft: placeholders set on screen and proof pages, marked; never in print or archive."""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pikepdf
from click.testing import CliRunner

from broadsheet.cli import main
from broadsheet.content.placeholders import PLACEHOLDER
from broadsheet.page.render import mark_placeholders


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def yellow(rect: dict) -> bool:
    colour = rect.get("non_stroking_color")
    return bool(colour) and len(colour) == 3 and colour[0] > 0.9 and colour[2] < 0.5


def test_a_draft_sets_placeholders_marked_on_screen_and_refuses_them_in_print(
    project: Path,
) -> None:
    series = project / "content" / "trial"
    code, output = run("init", series, "--date", "2026-12-01")
    assert code == 0, output
    out = project / "out"
    code, output = run("build", series, "-o", out, "--variant", "screen,print", "--json")
    assert code == 1  # without --draft a placeholder is an error everywhere
    assert not (out / "trial" / "01" / "screen.pdf").exists()

    code, output = run("build", series, "-o", out, "--variant", "screen,print", "--draft", "--json")
    assert code == 1
    found = json.loads(output)
    status = {r["output"]: r["status"] for r in found["results"]}
    assert status == {"trial/01/screen": "built", "trial/01/print": "failed"}
    messages = [(d["level"], d["message"], d["outputs"]) for d in found["diagnostics"]]
    drafted = [m for m in messages if m[0] == "warning" and "draft: placeholder" in m[1]]
    refused = [m for m in messages if m[0] == "error" and "placeholder" in m[1]]
    assert len(drafted) == 7 and len(refused) == 7  # 2 in series.yaml, 5 in 01.md
    assert any("not print or archive" in m[1] for m in refused)

    pdf_path = out / "trial" / "01" / "screen.pdf"
    with pikepdf.open(pdf_path) as pdf:
        assert str(pdf.docinfo["/Title"]).startswith("【草稿】")
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        marks = [r for r in page.rects if yellow(r)]
        opening = [c for c in page.chars if c["text"] == "【"]
        assert len(marks) == len(opening) == 7
        # each mark lies on its placeholder, the article's too (its column was
        # moved onto the sheet after layout: the background had to move with it)
        for char in opening:
            assert any(
                r["x0"] - 1 <= char["x0"] <= r["x1"] and r["top"] - 1 <= char["top"] <= r["bottom"]
                for r in marks
            ), char


def test_only_text_is_marked_not_attributes() -> None:
    html = f'<html><head><title>{PLACEHOLDER}</title></head><body><img alt="{PLACEHOLDER}">'
    html += f"<p>{PLACEHOLDER}正文</p></body></html>"
    marked = mark_placeholders(html)
    assert f"<title>{PLACEHOLDER}</title>" in marked
    assert f'<img alt="{PLACEHOLDER}">' in marked
    assert f'<p><mark class="draft-placeholder">{PLACEHOLDER}</mark>正文</p>' in marked


def test_a_print_draft_takes_placeholders_only_when_asked(project: Path) -> None:
    series = project / "content" / "trial"
    code, output = run("init", series, "--date", "2026-12-01")
    assert code == 0, output
    out = project / "out"
    code, output = run("build", series, "-o", out, "--variant", "print", "--draft-print")
    assert code == 2 and "--draft-print goes with --draft" in output

    code, output = run(
        "build", series, "-o", out, "--variant", "print", "--draft", "--draft-print", "--json"
    )
    assert code == 0, output
    found = json.loads(output)
    assert [r["status"] for r in found["results"]] == ["built"]
    pdf_path = out / "trial" / "01" / "print.pdf"
    with pikepdf.open(pdf_path) as pdf:
        assert str(pdf.docinfo["/Title"]).startswith("【草稿】")
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        assert len([c for c in page.chars if c["text"] == "【"]) == 7
