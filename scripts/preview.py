"""Render page 1 of a PDF to PNG (used for the README picture): preview.py PDF PNG [WIDTH]."""

from __future__ import annotations

import sys

import pypdfium2


def main() -> None:
    pdf_path, png_path = sys.argv[1], sys.argv[2]
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 900
    pdf = pypdfium2.PdfDocument(pdf_path)
    try:
        page = pdf[0]
        image = page.render(scale=width / page.get_width()).to_pil().convert("RGB")
        image.save(png_path, optimize=True)
    finally:
        pdf.close()


if __name__ == "__main__":
    main()
