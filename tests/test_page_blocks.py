"""The table of page blocks: one source for the text stage, notes, hide, context and templates."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from PIL import Image

from broadsheet.cli import main
from broadsheet.content.schema import Advertisement, Installment, Series
from broadsheet.page.blocks import HIDEABLE, PAGE_BLOCKS, PAGE_TEXTS
from broadsheet.page.settings import Settings

REPO = Path(__file__).resolve().parents[1]
LAYOUT = REPO / "layouts" / "newspaper"

# Every text a block shows written with half-width marks, as editors type them.
HALF_WIDTH_SERIES = """\
id: marks
title: 2025,标点这一年
label: 测试(报道)
slogan: 大抓招商,大抓项目 大抓产业!
layout: newspaper
variants:
  print: {}
  a4: {}
"""
HALF_WIDTH_INSTALLMENT = """\
---
number: 3
date: 2025-12-01
headline: 标题:半角冒号
subhead: 副标题,半角逗号
standfirst: 导语(半角括号)测试
editors_note: |
  编者按,半角逗号。
pull_quote: 引语,半角逗号!
advertisement:
  text: 广告,文字
---
正文第一段,有(括号)。

![图片说明,半角逗号(资料图)](photo.png)

正文第二段:冒号。
"""


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_every_schema_text_is_a_page_text_and_back() -> None:
    """The table and the content schema cannot drift: each text field of a series
    or an installment is shown by exactly one block, and each block's source exists."""
    sources = {text.source for text in PAGE_TEXTS}
    assert len(sources) == len(PAGE_TEXTS)
    for text in PAGE_TEXTS:
        model = Series if text.file == "series" else Installment
        if text.key == ("body",):
            continue
        field = model.model_fields[text.key[0]]
        if len(text.key) == 2:
            assert text.key[0] == "advertisement"
            assert text.key[1] in Advertisement.model_fields
        else:
            assert field is not None
    text_fields = {
        ("series", "title"),
        ("series", "label"),
        ("series", "slogan"),
        *(("installment", n) for n in ("headline", "subhead", "standfirst", "editors_note")),
        ("installment", "pull_quote"),
        ("installment", "advertisement", "text"),
        ("installment", "advertisement", "image"),
        ("installment", "body"),
    }
    assert sources == text_fields


def test_hide_accepts_exactly_the_hideable_blocks() -> None:
    hide_type = Settings.model_fields["hide"].annotation
    (list_type, _none) = typing.get_args(hide_type)
    (literal,) = typing.get_args(list_type)
    assert set(typing.get_args(literal)) == set(HIDEABLE)
    assert {
        "banner",
        "masthead",
        "standfirst",
        "editors_note",
        "pull_quote",
        "advertisement",
    } == set(HIDEABLE)


def test_every_block_has_its_part_and_the_page_includes_each() -> None:
    page = (LAYOUT / "page.html.j2").read_text(encoding="utf-8")
    for block in PAGE_BLOCKS:
        assert (LAYOUT / block.part).is_file(), block.part
        assert f'part("{block.name}")' in page, block.name


@pytest.fixture(scope="module")
def marks_series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_project

    project = make_project(tmp_path_factory.mktemp("blocks") / "project")
    series = project / "content" / "marks"
    series.mkdir()
    (series / "series.yaml").write_text(HALF_WIDTH_SERIES, encoding="utf-8")
    (series / "03.md").write_text(HALF_WIDTH_INSTALLMENT, encoding="utf-8")
    Image.new("RGB", (1200, 800), (40, 90, 160)).save(series / "photo.png")
    return series


def test_every_change_check_announces_is_in_the_build(marks_series: Path, tmp_path: Path) -> None:
    code, output = run("check", marks_series, "--variant", "a4")
    assert code == 0, output
    notes = re.findall(r"^note: (\S+?):(\d+):(\d+): ([\w.]+): '(.*?)' → '(.*?)'$", output, re.M)
    fields = {n[3] for n in notes}
    # one note at least for every text the table names (the image is no text)
    expected = {t.field for t in PAGE_TEXTS if t.form != "image"}
    assert fields == expected, fields
    assert all(new and new != old for *_, old, new in notes)
    out = tmp_path / "out"
    code, output = run("build", marks_series, "-o", out, "--variant", "a4", "--strict")
    assert code == 0, output
    html = (out / "marks" / "03" / "a4.html").read_text(encoding="utf-8")
    html = html.translate(dict.fromkeys(map(ord, "\u200b\u2060\ufeff")))
    with pdfplumber.open(out / "marks" / "03" / "a4.pdf") as pdf:
        text = "".join(c["text"] for page in pdf.pages for c in page.chars)
    for source_line, written in (
        ("title", "2025，标点这一年"),
        ("label", "——测试（报道）之三——"),
        ("slogan", "大抓招商，大抓项目"),
        ("headline", "标题：半角冒号"),
        ("subhead", "副标题，半角逗号"),
        ("standfirst", "导语（半角括号）测试"),
        ("editors_note", "编者按，半角逗号。"),
        ("body", "正文第一段，有（括号）。"),
        ("body", "正文第二段：冒号。"),
    ):
        assert written in text, (source_line, written)
    # a4 hides the advertisement; the pull quote and image alt are in the HTML
    assert "引语，半角逗号！" in text
    assert 'alt="图片说明，半角逗号（资料图）"' in html
    assert "," not in text.replace("2025，", ""), "a half-width comma reached the PDF"


def test_advertisement_text_is_normalised_on_the_print_page(marks_series: Path) -> None:
    from broadsheet.pipeline import check_installment

    built = check_installment(marks_series / "03.md", "print")
    assert "广告，文字" in built.html
    assert "大抓招商，大抓项目" in built.html
    assert "大抓产业！" in built.html


def test_hidden_blocks_leave_the_page(marks_series: Path) -> None:
    from broadsheet.pipeline import render_html

    screen = render_html(marks_series / "03.md", "a4").html
    assert 'data-block="advertisement"' not in screen
    printed = render_html(marks_series / "03.md", "print").html
    assert 'data-block="advertisement"' in printed
