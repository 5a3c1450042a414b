"""Punctuation normalisation (GB/T 15834) and its change list."""

from __future__ import annotations

import pytest

from broadsheet.text.normalise import changes, normalise_text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # half-width marks between or after Chinese become full width
        ("今年以来,我市紧扣", "今年以来，我市紧扣"),
        ("数据是最有力的证明:今年", "数据是最有力的证明：今年"),
        ("如何干在先?走在前", "如何干在先？走在前"),
        ("好!再来", "好！再来"),
        ("甲;乙", "甲；乙"),
        ("紧扣(重大)项目", "紧扣（重大）项目"),
        ("2025, 长治这一年", "2025，长治这一年"),
        # quotes, quotes inside quotes, across a source line break
        ('他说"你好"', "他说“你好”"),
        ("他说\"她说'好'然后\"走了", "他说“她说‘好’然后”走了"),
        ('跨行的"引号\n内容"继续', "跨行的“引号\n内容”继续"),
        # dashes and ellipses take their two-em forms
        ("从资源依赖--到多元", "从资源依赖——到多元"),
        ("从资源依赖—到多元", "从资源依赖——到多元"),
        ("这是...省略", "这是……省略"),
        ("这是。。。省略", "这是……省略"),
        ("这是…省略", "这是……省略"),
        # between numbers a single connector is a range (GB/T 15834 4.13), not a dash
        ("规划（2025—2027年）", "规划（2025—2027年）"),
        ("规划(2025--2027年)", "规划（2025—2027年）"),
        ("规划2025–2027年", "规划2025—2027年"),
        ("预计3—5 月完工", "预计3—5月完工"),
        ("气温10 ～ 15 ℃。", "气温10～15℃。"),
        ("气温10~15℃。", "气温10～15℃。"),
        ("2011年2月—10月", "2011年2月—10月"),
        # a dash typed before a number, after Chinese, is still a dash
        ("他说—2025年", "他说——2025年"),
        # a hyphen in a date stays
        ("于2025-11-27发布", "于2025-11-27发布"),
        # full-width letters and digits become half width
        ("ＡＢＣ１２３全角", "ABC123全角"),
        # spaces typed between scripts go: the gap is the layout's job
        ("推进 777 个省市重点工程", "推进777个省市重点工程"),
        ("中文 English 混排", "中文English混排"),
    ],
)
def test_chinese_context(source: str, expected: str) -> None:
    assert normalise_text(source) == expected


@pytest.mark.parametrize(
    "latin",
    [
        'Hello, world. This is English (only)! It\'s "fine"...',
        "Version 2.0 -- released: 3,000 copies; see (a) and (b)?",
        "print-ready PDF/X-4",
    ],
)
def test_latin_only_text_is_untouched(latin: str) -> None:
    assert normalise_text(latin) == latin


@pytest.mark.parametrize(
    "kept",
    ["共计3,000个", "76.9亿元", "10%以上", "“十四五”", "大抓招商 大抓项目", "《政府工作报告》"],
)
def test_correct_chinese_is_untouched(kept: str) -> None:
    assert normalise_text(kept) == kept


def test_changes_have_columns() -> None:
    old = "正文第一段,有(括号)和!感叹号"
    found = [(c.column, c.old, c.new) for c in changes(old, normalise_text(old))]
    assert found == [(6, ",", "，"), (8, "(", "（"), (11, ")", "）"), (13, "!", "！")]


@pytest.mark.parametrize(
    ("old", "expected"),
    [
        # an insertion shows the characters around it: no side reads ''
        ("发展—项目", [(3, "—项", "——项")]),
        ("推进 777 个", [(2, "进 7", "进7"), (6, "7 个", "7个")]),
        ("气温10 ～ 15℃", [(4, "0 ～", "0～"), (6, "～ 1", "～1")]),
    ],
)
def test_changes_never_show_an_empty_side(old: str, expected: list) -> None:
    found = [(c.column, c.old, c.new) for c in changes(old, normalise_text(old))]
    assert found == expected
    assert all(c.old and c.new for c in changes(old, normalise_text(old)))
