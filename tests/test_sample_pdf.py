"""The built sample page, read back from the PDF itself."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from conftest import SAMPLE_INSTALLMENT
from pdfread import MM, body_chars, columns, first_top, lines_of, page_chars, squash

from broadsheet.content import load_edition
from broadsheet.pipeline import BuiltEdition

TRIM = (390 * MM, 546 * MM)
BLEED = 3 * MM


@pytest.fixture(scope="module")
def chars(sample_pdf: Path) -> list[dict]:
    return page_chars(sample_pdf)


@pytest.fixture(scope="module")
def page_text(chars: list[dict]) -> str:
    return squash("".join(c["text"] for c in chars))


def test_one_page_duikai_with_bleed(sample_pdf: Path) -> None:
    with pikepdf.open(sample_pdf) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        trim = [float(v) for v in page.TrimBox]
        media = [float(v) for v in page.MediaBox]
        bleed = [float(v) for v in page.BleedBox]
    assert trim[2] - trim[0] == pytest.approx(TRIM[0], abs=0.5)
    assert trim[3] - trim[1] == pytest.approx(TRIM[1], abs=0.5)
    for box in (media, bleed):
        assert box[0] == pytest.approx(trim[0] - BLEED, abs=0.5)
        assert box[1] == pytest.approx(trim[1] - BLEED, abs=0.5)
        assert box[2] == pytest.approx(trim[2] + BLEED, abs=0.5)
        assert box[3] == pytest.approx(trim[3] + BLEED, abs=0.5)


def test_every_font_embedded_and_subset(sample_pdf: Path) -> None:
    with pikepdf.open(sample_pdf) as pdf:
        fonts = pdf.pages[0].Resources.Font
        names = []
        for _, font in fonts.items():
            names.append(str(font.BaseFont))
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"{font.BaseFont} is not embedded"
            )
    assert names, "the page uses no fonts"
    for name in names:
        assert re.match(r"^/[A-Z]{6}\+", name), f"{name} is not a subset"
    families = {n.split("+", 1)[1] for n in names}
    assert {"Noto-Serif-CJK-SC", "LXGW-WenKai"} <= families
    assert any(f.startswith("Noto-Sans-CJK-SC") for f in families)


def test_body_font_is_song_and_note_is_kai(chars: list[dict]) -> None:
    note_chars = [c for c in chars if c["text"] == "岁"]
    assert note_chars and all("LXGW-WenKai" in c["fontname"] for c in note_chars)
    headline = [c for c in chars if c["text"] == "帆"]
    assert headline and all("Noto-Sans-CJK-SC" in c["fontname"] for c in headline)
    assert len(body_chars(chars)) > 900  # exact content: test_body_paragraphs_in_seed_order


@pytest.mark.parametrize(
    "text",
    [
        "大抓招商",
        "大抓项目",
        "大抓产业",
        "2025，长治这一年",
        "——系列报道之二——",
        "千帆竞发势如虹",
        "——我市大抓项目建设筑牢稳增长促转型坚实支撑",
        "编者按",
        "系统谋划",
        "以机制创新厚植项目沃土",
        "发展是硬道理，项目是硬支撑。",
        "为长治转型注入了源源不断的新动能。",
        "绿色能源领军企业",
    ],
)
def test_text_present(page_text: str, text: str) -> None:
    assert text in page_text


def test_body_paragraphs_in_seed_order_read_column_by_column(chars: list[dict]) -> None:
    body = load_edition(SAMPLE_INSTALLMENT).body
    paragraphs = [squash(p) for p in re.split(r"\n\s*\n", body) if p and not p.startswith("##")]
    cols = columns(body_chars(chars))
    assert len(cols) == 5
    stream = "".join(squash(c.text()) for c in cols)
    position = 0
    for paragraph in paragraphs:
        found = stream.find(paragraph, position)
        assert found == position, f"paragraph out of order or broken: {paragraph[:20]}"
        position = found + len(paragraph)
    assert position == len(stream), "the columns hold text that is not in the body"


def test_blocks_stand_in_page_order(chars: list[dict]) -> None:
    order = [
        "大抓招商",
        "长治这一年",
        "千帆竞发势如虹",
        "编者按",
        "项目，是解读",
        "发展是硬道理",
        "绿",
    ]
    tops = [first_top(chars, text) for text in order]
    assert tops == sorted(tops), dict(zip(order, tops, strict=True))


def test_headline_centred_and_columns_inside_trim(chars: list[dict], sample_pdf: Path) -> None:
    with pdfplumber.open(sample_pdf) as pdf:
        left, _, right, _ = pdf.pages[0].bbox  # the media box, bleed included
    trim_left, trim_right = left + BLEED, right - BLEED
    headline = [c for c in chars if c["size"] >= 90]
    centre = (min(c["x0"] for c in headline) + max(c["x1"] for c in headline)) / 2
    assert centre == pytest.approx((trim_left + trim_right) / 2, abs=2)
    cols = columns(body_chars(chars))
    widths = [c.right - c.left for c in cols]
    assert max(widths) - min(widths) < 14, widths  # equal columns, to a character
    # inside the 20 mm side margins of the trimmed page
    assert cols[0].left >= trim_left + 19.5 * MM
    # a compressed or hanging closing mark records its full em in the text layer
    visible_right = max(min(line.ends()) for line in lines_of(cols[-1]))
    assert visible_right <= trim_right - 19.5 * MM


def test_pixels_banner_red_and_ad_frame_green(sample_pdf: Path) -> None:
    pdf = pypdfium2.PdfDocument(str(sample_pdf))
    try:
        image = pdf[0].render(scale=0.25).to_pil().convert("RGB")
    finally:
        pdf.close()
    width, height = image.size
    # banner: the band just below the top margin, left of its text
    r, g, b = image.getpixel((int(width * 0.1), int(height * 0.045)))
    assert r > 170 and g < 80 and b < 80, (r, g, b)
    # paper white between the columns' text and the page edge
    assert image.getpixel((int(width * 0.02), int(height * 0.5))) == (255, 255, 255)
    # the advertisement is at the bottom, framed in green
    bottom = [
        image.getpixel((x, y)) for x in range(width) for y in range(int(height * 0.8), height)
    ]
    assert any(g > 100 and r < 80 and b < 100 for r, g, b in bottom)


def test_metadata(sample_pdf: Path, sample_build: BuiltEdition) -> None:
    with pikepdf.open(sample_pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "千帆竞发势如虹"
        assert str(info["/CreationDate"]).startswith("D:20251201")
        assert str(info["/Creator"]).startswith("broadsheet")
    assert sample_build.pages == 1
