"""Markdown → blocks: soft breaks, section headings, raw HTML off, image lines."""

from __future__ import annotations

import re

import pytest

from broadsheet.text.markdown import render_markdown


def text_of(html: str) -> str:
    """The text a reader sees: the typography marks taken away."""
    return re.sub("[\u200b\u2060\ufeff]", "", html)


def test_soft_break_between_chinese_joins_without_space() -> None:
    (block,) = render_markdown("从顶层设计到一线落实，从机制创新到服务\n升级。").blocks
    assert text_of(block.html) == "从顶层设计到一线落实，从机制创新到服务升级。"


def test_soft_break_between_latin_words_stays_a_space() -> None:
    (block,) = render_markdown("print ready\nPDF output").blocks
    assert block.html == "print ready\nPDF output"


def test_soft_break_between_chinese_and_latin_joins() -> None:
    (block,) = render_markdown("推进\n777个重点工程").blocks
    assert text_of(block.html) == "推进777个重点工程"


def test_section_heading_two_lines() -> None:
    (block,) = render_markdown("## 系统谋划 | 以机制创新厚植项目沃土").blocks
    assert block.kind == "section_heading"
    assert block.lines == ("系统谋划", "以机制创新厚植项目沃土")


def test_one_line_heading() -> None:
    (block,) = render_markdown("## 系统谋划").blocks
    assert block.lines == ("系统谋划",)


def test_raw_html_is_text() -> None:
    blocks = render_markdown(
        "<script>alert(1)</script>\n\n文字<b>粗</b><img src=x onerror=y>"
    ).blocks
    html = "".join(b.html for b in blocks)
    assert "<script" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;粗&lt;/b&gt;" in html


def test_heading_escapes_markup() -> None:
    (block,) = render_markdown("## <i>甲</i> | 乙&丙").blocks
    assert block.lines == ("&lt;i&gt;甲&lt;/i&gt;", "乙&amp;丙")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "file:///etc/passwd", "data:text/html,x"]
)
def test_unsafe_links_lead_nowhere(url: str) -> None:
    (block,) = render_markdown(f"[点我]({url})").blocks
    assert "href" not in block.html and "点我" in text_of(block.html)


def test_web_links_kept() -> None:
    (block,) = render_markdown("[官网](https://example.org/a)").blocks
    assert 'href="https://example.org/a"' in block.html


def test_block_and_image_lines_count_from_first_line() -> None:
    source = "第一段。\n\n第二段\n![图](a.png)\n"
    seen: list[tuple[str, int]] = []

    def hook(src: str, line: int) -> str:
        seen.append((src, line))
        return "file:///resolved.png"

    rendered = render_markdown(source, first_line=10, image_hook=hook)
    assert [b.line for b in rendered.blocks] == [10, 12]
    assert seen == [("a.png", 13)]
    assert 'src="file:///resolved.png"' in rendered.blocks[1].html


def test_text_hook_sees_text_only() -> None:
    rendered = render_markdown("甲*乙*丙", text_hook=lambda t: t.replace("乙", "Z"))
    assert rendered.blocks[0].html == "甲<em>Z</em>丙"
