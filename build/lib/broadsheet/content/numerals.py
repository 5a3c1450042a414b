"""Chinese numerals for installment labels (2 → 二, 12 → 十二, 105 → 一百零五)."""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
UNITS = ("", "十", "百", "千")


def chinese_numeral(number: int) -> str:
    """Write 0 ≤ number ≤ 9999 in Chinese numerals as used in series labels."""
    if not 0 <= number <= 9999:
        raise ValueError(f"{number} is outside 0..9999")
    if number == 0:
        return DIGITS[0]
    digits = [int(d) for d in str(number)]
    out: list[str] = []
    pending_zero = False
    for position, digit in enumerate(digits):
        unit = UNITS[len(digits) - 1 - position]
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append(DIGITS[0])
            pending_zero = False
        out.append(DIGITS[digit] + unit)
    text = "".join(out)
    # 10-19 read 十, 十一 … not 一十, 一十一 when they stand alone.
    if 10 <= number <= 19:
        text = text.removeprefix("一")
    return text


def installment_label(label: str, number: int) -> str:
    """The masthead line: ('系列报道', 2) → '——系列报道之二——'."""
    return f"——{label}之{chinese_numeral(number)}——"
