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
from broadsheet.page.blocks import HIDEABLE, PAGE_BLOCKS, PAGE_TEXTS, part
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
byline: 本报记者 张三,李四
pull_quote: 引语,半角逗号!
figures:
  - image: photo.png
    caption: 图说,半角逗号(附图)
    credit: 本报记者 王五 摄,资料图
boxes:
  - title: 数据链接:半角冒号
    body: |
      方框正文,半角逗号(括号)。
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
        # an older key still read is a field of the same file, shown by no other text
        for alias in text.aliases:
            assert alias[0] == text.file and alias[1] in model.model_fields, alias
            assert alias not in sources, alias
    text_fields = {
        ("series", "title"),
        ("series", "label"),
        ("series", "slogan"),
        *(("installment", n) for n in ("headline", "subhead", "standfirst", "editors_note")),
        ("installment", "byline"),
        ("installment", "pull_quotes"),
        ("installment", "figures"),
        ("installment", "boxes"),
        ("installment", "advertisement", "text"),
        ("installment", "advertisement", "image"),
        ("installment", "body"),
    }
    assert sources == text_fields
    aliases = {alias for text in PAGE_TEXTS for alias in text.aliases}
    assert aliases == {("installment", "pull_quote")}
    # every other field of an installment is a setting or a fact, not a text
    shown = {text.key[0] for text in PAGE_TEXTS if text.file == "installment"}
    shown |= {alias[1] for alias in aliases}
    assert set(Installment.model_fields) - shown == {"number", "date", "settings"}


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
        "figures",
        "pull_quote",
        "boxes",
        "advertisement",
    } == set(HIDEABLE)


def _includes(template: str) -> set[str]:
    """The templates ``template`` includes: by name ("parts/area.html.j2") or a block's."""
    text = (LAYOUT / template).read_text(encoding="utf-8")
    named = set(re.findall(r'\{%-?\s*include\s+"([^"]+)"', text))
    return named | {part(name) for name in re.findall(r'include part\("(\w+)"\)', text)}


def test_every_block_has_its_part_and_the_page_includes_each() -> None:
    # the page, and the templates it includes: the composer's area (the sheet),
    # the measuring section, and a block set between paragraphs (flow)
    reached, todo = set(), ["page.html.j2"]
    while todo:
        template = todo.pop()
        if template not in reached:
            reached.add(template)
            todo += sorted(_includes(template))
    assert {"parts/area.html.j2", "parts/measure.html.j2", "parts/inline_item.html.j2"} <= reached
    texts = {t: (LAYOUT / t).read_text(encoding="utf-8") for t in reached}
    for block in PAGE_BLOCKS:
        assert (LAYOUT / block.part).is_file(), block.part
        including = {t for t, text in texts.items() if f'part("{block.name}")' in text}
        assert including, block.name
    # what the composer places is set in each of its modes and measured
    for name in ("figures", "pull_quote", "boxes"):
        for template in ("area", "measure", "inline_item"):
            assert f'part("{name}")' in texts[f"parts/{template}.html.j2"], (name, template)


@pytest.fixture(scope="module")
def marks_series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_project

    project = make_project(tmp_path_factory.mktemp("blocks") / "project")
    series = project / "content" / "marks"
    series.mkdir()
    (series / "series.yaml").write_text(HALF_WIDTH_SERIES, encoding="utf-8")
    (series / "03.md").write_text(HALF_WIDTH_INSTALLMENT, encoding="utf-8")
    # a banner's shape: both pictures and every block fit on a4's first page, so
    # the reading copy has no page that ends short (a warning under --strict)
    Image.new("RGB", (1200, 150), (40, 90, 160)).save(series / "photo.png")
    return series


def test_every_change_check_announces_is_in_the_build(marks_series: Path, tmp_path: Path) -> None:
    code, output = run("check", marks_series, "--variant", "a4")
    assert code == 0, output
    notes = re.findall(r"^note: (\S+?):(\d+):(\d+): ([\w.]+): '(.*?)' → '(.*?)'$", output, re.M)
    # a list's item is noted by its place: figures.0.caption, boxes.0.body
    fields = {re.sub(r"\.\d+\.\w+$", "", n[3]) for n in notes}
    # one note at least for every text the table names (the image is no text)
    expected = {t.field for t in PAGE_TEXTS if t.form != "image"}
    assert fields == expected, fields
    items = {n[3] for n in notes if re.search(r"\.\d+\.", n[3])}
    assert items == {"figures.0.caption", "figures.0.credit", "boxes.0.title", "boxes.0.body"}
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
        ("byline", "本报记者 张三，李四"),
        ("body", "正文第一段，有（括号）。"),
        ("body", "正文第二段：冒号。"),
        ("pull_quotes", "引语，半角逗号！"),
        ("figures.0.caption", "图说，半角逗号（附图）"),
        ("figures.0.credit", "本报记者 王五 摄，资料图"),
        ("boxes.0.title", "数据链接：半角冒号"),
        ("boxes.0.body", "方框正文，半角逗号（括号）。"),
        # a picture alone in its paragraph is a figure, its alt text the caption
        ("body", "图片说明，半角逗号（资料图）"),
    ):
        assert written in text, (source_line, written)
    assert html.count('class="figure-image"') == 2
    # a4 hides the advertisement
    assert "广告" not in text
    assert "," not in text.replace("2025，", ""), "a half-width comma reached the PDF"


def test_advertisement_text_is_normalised_on_the_print_page(
    marks_series: Path, tmp_path: Path
) -> None:
    from broadsheet.pipeline import build_installment

    # a few lines of text do not fill a print page: a draft is written anyway
    built = build_installment(marks_series / "03.md", tmp_path, "print", draft=True)
    draft = [w.message for w in built.warnings if w.message.startswith("draft: ")]
    assert draft and all(m.startswith("draft: article: underset by") for m in draft), draft
    for html in (built.html, built.written[0].read_text(encoding="utf-8")):
        assert "广告，文字" in html
        assert "大抓招商，大抓项目" in html
        assert "大抓产业！" in html
    with pdfplumber.open(built.written[1]) as pdf:
        text = "".join(c["text"] for c in pdf.pages[0].chars)
    assert "广告，文字" in text and "广告,文字" not in text


def test_hidden_blocks_leave_the_page(marks_series: Path) -> None:
    from broadsheet.pipeline import render_html

    screen = render_html(marks_series / "03.md", "a4").html
    assert 'data-block="advertisement"' not in screen
    printed = render_html(marks_series / "03.md", "print").html
    assert 'data-block="advertisement"' in printed
