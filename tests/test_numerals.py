"""Installment labels in Chinese numerals."""

import pytest

from broadsheet.content.numerals import chinese_numeral, installment_label


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "一"),
        (2, "二"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (40, "四十"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (999, "九百九十九"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (2025, "二千零二十五"),
    ],
)
def test_chinese_numeral(number: int, expected: str) -> None:
    assert chinese_numeral(number) == expected


def test_every_number_to_99_is_distinct_and_reads_back() -> None:
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}

    def read(text: str) -> int:
        if "十" not in text:
            return digits[text]
        tens, _, ones = text.partition("十")
        return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)

    assert [read(chinese_numeral(n)) for n in range(1, 100)] == list(range(1, 100))


def test_installment_label() -> None:
    assert installment_label("系列报道", 2) == "——系列报道之二——"
    assert installment_label("系列报道", 12) == "——系列报道之十二——"


def test_out_of_range() -> None:
    with pytest.raises(ValueError):
        chinese_numeral(10000)
