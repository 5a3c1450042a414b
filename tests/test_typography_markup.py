"""The invisible marks the text stage adds, on small fixture texts."""

from __future__ import annotations

from broadsheet.text.markdown import render_markdown
from broadsheet.text.marks import (
    AUTOSPACE as S,
)
from broadsheet.text.marks import (
    AUTOSPACE_KEEP as K,
)
from broadsheet.text.marks import (
    BREAK as B,
)
from broadsheet.text.marks import (
    JOIN as J,
)
from broadsheet.text.marks import (
    add_marks,
    compressed_indexes,
    typeset_text,
)
from broadsheet.text.normalise import normalise_text


def visible(text: str) -> str:
    return text.replace(S, "").replace(J, "").replace(K, "").replace(B, "")


def test_no_visible_character_is_added() -> None:
    text = "“两重”“两新”政策，推进777个项目——从资源依赖到多元发展……（完）。"
    assert visible(add_marks(text, paragraph_end=True)) == text


def test_adjacent_punctuation_compresses_the_right_mark() -> None:
    # a closing mark before another mark gives up its blank half
    assert compressed_indexes("好。”") == [1]
    assert compressed_indexes("重”“两") == [1]
    assert compressed_indexes("说，“好") == [1]
    assert compressed_indexes("说：“好") == [1]
    # an opening mark after another mark: the second one
    assert compressed_indexes("（“好") == [1]
    # single marks and two-em marks are left alone
    assert compressed_indexes("甲，乙。") == []
    assert compressed_indexes("清晰——从") == []
    # invisible marks between two marks do not part them
    assert compressed_indexes(f"说：{B}“好") == [1]
    assert compressed_indexes(f"好”{J}。") == [1]


def test_breaks_before_opening_and_after_closing_quotes() -> None:
    # UAX #14 forbids both; clreq allows them, so no chain of quotes is unbreakable
    assert add_marks("感慨：“从‘甲’到‘乙’，好”") == f"感慨：{B}“从{B}‘甲’{B}到{B}‘乙’，好”"
    # never after an opening mark, nor before a closing one or a two-em mark
    assert add_marks("（“好”）") == "（“好”）"
    assert add_marks("说“好”——对") == f"说{B}“好”{J}——对"
    assert add_marks("“甲”“乙”") == f"“甲”{B}“乙”"


def test_ranges_and_middle_dots_never_start_a_line() -> None:
    assert add_marks("（2025—2027年）") == f"（2025{J}—2027{S}年）"
    assert add_marks("气温10～15℃") == f"气温{S}10{J}～15℃"
    assert add_marks("2011年2月—10月") == f"2011{S}年{S}2{S}月{J}—10{S}月"
    assert add_marks("约翰·史密斯") == f"约翰{J}·史密斯"


def test_quarter_em_marks_only_between_han_and_latin() -> None:
    assert add_marks("推进777个项目") == f"推进{S}777{S}个项目"
    assert add_marks("76.9亿元") == f"76.9{S}亿元"
    assert add_marks("10%以上") == f"10%{S}以上"
    # beside punctuation there is none: the mark's blank half is the gap (the
    # U+200B after a closing quote is a break opportunity, not a quarter em)
    assert add_marks("“3131”项目") == f"“3131”{B}项目"
    assert add_marks("工作，2025年") == f"工作，2025{S}年"


def test_two_em_marks_stay_with_the_character_before() -> None:
    assert add_marks("愈发清晰——从资源依赖……到") == f"愈发清晰{J}——从资源依赖{J}……到"


def test_paragraph_end_joins_the_last_two_characters() -> None:
    assert add_marks("为长治注入了新动能。", paragraph_end=True) == f"为长治注入了新动{J}能。"
    assert add_marks("他说：“好的。”", paragraph_end=True) == f"他说：{B}“好{J}的。”"
    # a number and its unit: the quarter em that parts them becomes unbreakable
    assert add_marks("平均76.9页。", paragraph_end=True) == f"平均{S}76.9{K}页。"
    # not mid-paragraph, and not when the paragraph ends in Latin
    assert J not in add_marks("为长治注入了新动能。")
    assert J not in add_marks("版本号是 PDF/X-4", paragraph_end=True)


def test_latin_only_paragraph_stays_plain() -> None:
    text = "A paragraph of only Latin text, with 3 numbers and (brackets)."
    assert add_marks(normalise_text(text), paragraph_end=True) == text


def test_heading_lines_get_the_same_rules() -> None:
    (block,) = render_markdown(
        "## 系统谋划 | 以机制创新厚植2025项目沃土", text_hook=normalise_text
    ).blocks
    assert block.lines[0] == "系统谋划"
    assert f"植{S}2025{S}项" in block.lines[1]


def test_markup_in_text_is_escaped() -> None:
    assert typeset_text("<b>甲</b>乙") == "&lt;b&gt;甲&lt;/b&gt;乙"
