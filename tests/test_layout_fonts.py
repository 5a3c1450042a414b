"""The layout's faces: Kai text sets its marks full width from Broadsheet Marks.

Known limit (README, "Punctuation"): Pango sets a line that mixes WenKai and
the Noto-derived marks 0.029 em (bold 0.035 em) taller than a line of WenKai alone, though
the two fonts’ tables give the same ascent and descent (hhea, OS/2) — their
runs do not share a baseline in Pango. The composer measures the real lines,
so pages still fit; the note's line pitch varies by that much (0.15 mm at 15 pt).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

LAYOUT = Path(__file__).resolve().parents[1] / "layouts" / "newspaper"


def line_box(text: str, size: float, weight: str, leading: str) -> tuple[float, float]:
    html = (
        '<html lang="zh-CN"><link rel="stylesheet" href="fonts.css"><style>p {font-family: '
        f"var(--kai); font-size: {size}pt; font-weight: {weight}; line-height: {leading}; "
        f"margin: 0}}</style><p>{text}"
    )
    page = weasyprint.HTML(string=html, base_url=LAYOUT.as_uri() + "/").render().pages[0]
    line = page._page_box.children[0].children[0].children[0].children[0]
    return round(line.height, 2), round(line.children[0].baseline, 2)


# the sizes and leadings of the layout's Kai: captions, note, standfirst, quotes
@pytest.mark.parametrize("size", [9, 15, 16.05, 24, 27])
@pytest.mark.parametrize("weight", ["normal", "bold"])
@pytest.mark.parametrize("leading", ["normal", "1.65"])
def test_a_mark_changes_the_line_height_by_at_most_four_hundredths_of_an_em(
    size: float, weight: str, leading: str
) -> None:
    plain = line_box("岁末回眸项目建设", size, weight, leading)
    em = size * 4 / 3
    for marked in ("岁末，回眸“项目”建设。", "《岁末》（回眸）：项目！", "“岁末”"):
        height, baseline = line_box(marked, size, weight, leading)
        assert abs(height - plain[0]) <= 0.04 * em + 0.01, (marked, size, weight, leading)
        assert abs(baseline - plain[1]) <= 0.06 * em + 0.01, (marked, size, weight, leading)


def test_kai_marks_are_full_width_and_compress() -> None:
    html = (
        (
            '<html lang="zh-CN"><link rel="stylesheet" href="fonts.css"><style>p {font-family: '
            "var(--kai); font-size: 20px; margin: 0}} .h {{font-feature-settings: 'halt'}}</style>"
            '<p><span>“</span></p><p><span class="h">“</span></p>'
        )
        .replace("{{", "{")
        .replace("}}", "}")
    )
    page = weasyprint.HTML(string=html, base_url=LAYOUT.as_uri() + "/").render().pages[0]
    body = page._page_box.children[0].children[0]
    widths = [p.children[0].children[0].width for p in body.children]
    assert widths == [pytest.approx(20, abs=0.1), pytest.approx(10, abs=0.1)], widths
