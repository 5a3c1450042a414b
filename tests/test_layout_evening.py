"""The evening layout (layouts/evening, 晚报): the newspaper layout in a few
lines of its own. The sample builds with it, and the page really differs: its
type faces, its accent colour and its four columns."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from test_cli import edit, run
from test_layout_colours import colour_operators

VARIANTS = "print,tabloid,screen,a4,archive"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's installment 2 in both layouts: newspaper/print.pdf, evening/…"""
    from conftest import make_project

    found = {}
    for layout in ("newspaper", "evening"):
        project = make_project(tmp_path_factory.mktemp(layout) / "project")
        series = project / "content" / "changzhi-2025"
        edit(series / "series.yaml", "layout: newspaper", f"layout: {layout}")
        code, output = run("build", series, "-o", project / "out", "--variant", VARIANTS)
        assert code == 0, output
        found[layout] = project / "out" / "changzhi-2025" / "02"
    return found


def faces(pdf_path: Path, size: tuple[float, float], text: str | None = None) -> Counter[str]:
    """The fonts of the page's Chinese characters (of ``text``) set between these sizes (pt)."""
    with pdfplumber.open(pdf_path) as pdf:
        return Counter(
            c["fontname"].split("+")[-1]
            for c in pdf.pages[0].chars
            if size[0] <= c["size"] <= size[1] and "\u4e00" <= c["text"] <= "\u9fff"
            if text is None or c["text"] in text
        )


def columns(pdf_path: Path) -> int:
    """How many columns the article runs in: its characters' left edges, split
    where the gap is wider than a character and a half (a gutter)."""
    with pdfplumber.open(pdf_path) as pdf:
        xs = sorted({round(c["x0"]) for c in pdf.pages[0].chars if 12.5 <= c["size"] <= 14.5})
    return 1 + sum(1 for left, right in itertools.pairwise(xs) if right - left > 24)


def test_every_variant_builds(pages: dict[str, Path]) -> None:
    for variant in VARIANTS.split(","):
        assert (pages["evening"] / f"{variant}.pdf").stat().st_size > 100_000


def test_the_body_is_kai_and_the_headline_song(pages: dict[str, Path]) -> None:
    body = {name: faces(folder / "print.pdf", (12, 14.5)) for name, folder in pages.items()}
    assert body["newspaper"].most_common(1)[0][0] == "Noto-Serif-CJK-SC"
    assert body["evening"].most_common(1)[0][0] == "LXGW-WenKai"
    title = "千帆竞发势如虹"
    headline = {name: faces(path / "print.pdf", (60, 120), title) for name, path in pages.items()}
    assert set(headline["newspaper"]) == {"Noto-Sans-CJK-SC-Bold"}
    assert set(headline["evening"]) == {"Noto-Serif-CJK-SC-Bold"}


def test_the_accent_is_the_evenings_blue_in_print_and_on_screen(pages: dict[str, Path]) -> None:
    printed = colour_operators(pages["evening"] / "print.pdf")
    assert ("scn", ("0.9", "0.6", "0", "0.15")) in printed  # layouts/evening/layout.yaml
    assert not any(values == ("0", "0.95", "0.9", "0.1") for _, values in printed)
    # the colours the evening does not name are the newspaper's
    assert ("scn", ("0.85", "0", "0.9", "0.25")) in printed
    screen = colour_operators(pages["evening"] / "screen.pdf")
    assert ("rg", ("0.105882", "0.309804", "0.560784")) in screen  # #1b4f8f
    assert ("rg", ("0.784314", "0.086275", "0.113725")) in colour_operators(
        pages["newspaper"] / "screen.pdf"
    )


def test_four_columns_instead_of_five(pages: dict[str, Path]) -> None:
    assert columns(pages["newspaper"] / "print.pdf") == 5
    assert columns(pages["evening"] / "print.pdf") == 4
