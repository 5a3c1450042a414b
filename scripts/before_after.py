"""Picture of one column, plain WeasyPrint beside broadsheet (README): before_after.py PNG."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pdfplumber
import pypdfium2
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from pdfread import block_chars, columns, lines_of, page_chars  # noqa: E402
from typography_report import SAMPLE, plain_pdf  # noqa: E402

from broadsheet.pipeline import build_installment  # noqa: E402

SCALE = 3.0
ANCHOR = "新年伊始"  # a paragraph with quotes, a dash and a long line break run
LINES = 11


def column_image(pdf: Path) -> Image.Image:
    """LINES lines from the paragraph starting with ANCHOR, stacked as one column
    (following the text into the next column where it runs on)."""
    with pdfplumber.open(pdf) as document:
        left_edge, top_edge = document.pages[0].bbox[:2]
    rows = [
        (line, col)
        for col in columns(block_chars(page_chars(pdf), "Noto-Serif-CJK-SC", 13.0))
        for line in lines_of(col)
    ]
    start = next(i for i, (line, _) in enumerate(rows) if ANCHOR in line.text)
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = document[0].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        document.close()
    strips = []
    for line, col in rows[start : start + LINES]:
        bottom = max(c["bottom"] for c in line.chars)
        box = (col.left - 6, line.top - 5, col.left + 190, bottom + 5)
        strips.append(
            page.crop(
                (
                    int((box[0] - left_edge) * SCALE),
                    int((box[1] - top_edge) * SCALE),
                    int((box[2] - left_edge) * SCALE),
                    int((box[3] - top_edge) * SCALE),
                )
            )
        )
    sheet = Image.new("RGB", (strips[0].width, sum(s.height for s in strips)), "white")
    y = 0
    for strip in strips:
        sheet.paste(strip, (0, y))
        y += strip.height
    return sheet


def main() -> None:
    target = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        before = column_image(plain_pdf(out))
        after = column_image(build_installment(SAMPLE, out).written[1])
    label = 56
    width = before.width + after.width + 40
    height = max(before.height, after.height) + label
    sheet = Image.new("RGB", (width, height), "white")
    sheet.paste(before, (0, label))
    sheet.paste(after, (before.width + 40, label))
    draw = ImageDraw.Draw(sheet)
    font_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    font = ImageFont.truetype(font_path, 34)
    draw.text((10, 10), "WeasyPrint alone", fill="black", font=font)
    draw.text((before.width + 50, 10), "broadsheet", fill="black", font=font)
    sheet.save(target, optimize=True)


if __name__ == "__main__":
    main()
