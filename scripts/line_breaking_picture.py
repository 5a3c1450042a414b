"""Make docs/line-breaking.png: two corpus paragraphs in a 45 mm column, three ways.

Left, WeasyPrint alone (no text stage, no line layout); middle, broadsheet's
line layout with Pango's line-by-line breaks; right, broadsheet as it builds
(the paragraph's breaks). Lines whose gaps between Chinese characters exceed
0.10 em are tinted red, measured from each PDF as the tests measure them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import corpus  # noqa: E402
import pypdfium2  # noqa: E402
import weasyprint  # noqa: E402
from markupsafe import escape  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from broadsheet.text.marks import INVISIBLE  # noqa: E402

PARAGRAPHS = (360, 234)  # indexes in the corpus: ones with quotes, a list, an ellipsis
WIDTH_MM = 45.0
SCALE = 3  # pixels a point
LABEL_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def plain_pdf(out: Path, texts: list[str]) -> Path:
    bare = ["".join(c for c in t if c not in INVISIBLE) for t in texts]
    html = corpus.corpus_html([str(escape(t)) for t in bare], WIDTH_MM, "serif")
    pdf = out / "plain.pdf"
    weasyprint.HTML(string=html, base_url=corpus.LAYOUT.as_uri() + "/").write_pdf(pdf)
    return pdf


def panel(pdf: Path, title: str) -> Image.Image:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=SCALE).to_pil().convert("RGB")
    lines = corpus.read_lines(pdf, WIDTH_MM)
    bottom = max(c["bottom"] for line in lines for c in line.chars) + 6
    left = corpus.MARGIN_MM * corpus.MM - 6
    right = left + WIDTH_MM * corpus.MM + 12
    tint = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(tint)
    for line in lines:
        if not line.last_of_paragraph and max(line.gaps(), default=0.0) > corpus.LOOSE_EM:
            top = min(c["top"] for c in line.chars) - 1
            low = max(c["bottom"] for c in line.chars) + 1
            draw.rectangle(
                (left * SCALE, top * SCALE, right * SCALE, low * SCALE), fill=(220, 40, 40, 60)
            )
    image = Image.alpha_composite(image.convert("RGBA"), tint).convert("RGB")
    crop = image.crop((int(left * SCALE), int(20 * SCALE), int(right * SCALE), int(bottom * SCALE)))
    framed = Image.new("RGB", (crop.width, crop.height + 70), "white")
    framed.paste(crop, (0, 70))
    font = ImageFont.truetype(LABEL_FONT, 26)
    ImageDraw.Draw(framed).text((10, 18), title, fill="black", font=font)
    return framed


def main() -> None:
    texts = [corpus.paragraphs()[i] for i in PARAGRAPHS]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "first").mkdir()
        panels = [
            panel(plain_pdf(out, texts), "WeasyPrint alone"),
            panel(
                corpus.set_corpus(out / "first", WIDTH_MM, "serif", texts, first_fit=True),
                "broadsheet, Pango's breaks",
            ),
            panel(corpus.set_corpus(out, WIDTH_MM, "serif", texts), "broadsheet, paragraph breaks"),
        ]
    gap = 40
    width = sum(p.width for p in panels) + gap * (len(panels) - 1)
    sheet = Image.new("RGB", (width, max(p.height for p in panels)), "white")
    x = 0
    for p in panels:
        sheet.paste(p, (x, 0))
        x += p.width + gap
    target = REPO / "docs" / "line-breaking.png"
    sheet.save(target, optimize=True)
    print(target, sheet.size)


if __name__ == "__main__":
    main()
