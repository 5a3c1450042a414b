"""A layout's colours are written once, in layout.yaml, with their screen (RGB)
and print (CMYK) values: one edit changes every variant, and print keeps the
CMYK values exactly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from test_cli import edit, run

from broadsheet.page.colours import Colour, css_values

RED = 'accent: {rgb: "#c8161d", cmyk: [0, 95, 90, 10]}'


def colour_operators(path: Path) -> set[tuple[str, tuple[str, ...]]]:
    """Every colour-setting operator of the page and the forms it draws."""
    found: set[tuple[str, tuple[str, ...]]] = set()
    with pikepdf.open(path) as pdf:
        streams = [pdf.pages[0].obj]
        streams += [x for x in pdf.pages[0].Resources.get("/XObject", {}).values()]
        for stream in streams:
            for operands, operator in pikepdf.parse_content_stream(stream):
                if str(operator) in ("k", "K", "rg", "RG", "scn", "SCN"):
                    found.add((str(operator), tuple(str(o) for o in operands)))
    return found


def test_css_values_are_exact_fractions_of_ink() -> None:
    colour = Colour(rgb="#c8161d", cmyk=(Decimal(0), Decimal(95), Decimal("12.5"), Decimal(100)))
    assert css_values({"accent": colour}, cmyk=True) == {"accent": "device-cmyk(0 0.95 0.125 1)"}
    assert css_values({"accent": colour}, cmyk=False) == {"accent": "#c8161d"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{rgb: "red", cmyk: [0, 95, 90, 10]}', "colours.accent.rgb: String should match"),
        ('{rgb: "#c8161d", cmyk: [0, 95, 190, 10]}', "colours.accent.cmyk.2: Input should be"),
        ('{rgb: "#c8161d"}', "colours.accent.cmyk: required field is missing"),
    ],
)
def test_a_bad_colour_names_its_line_and_field(project: Path, value: str, message: str) -> None:
    layout = project / "layouts" / "newspaper" / "layout.yaml"
    edit(layout, RED, f"accent: {value}")
    code, output = run("check", project / "content" / "changzhi-2025")
    flat = output.replace("\n", "")
    assert code == 1 and f"newspaper/layout.yaml:17: {message}" in flat, flat


def test_one_edit_changes_the_screen_and_the_print_colour(project: Path, series: Path) -> None:
    out = project / "out"
    edit(
        project / "layouts" / "newspaper" / "layout.yaml",
        RED,
        'accent: {rgb: "#336699", cmyk: [80, 40, 0, 12.5]}',
    )
    code, output = run("build", series, "-o", out, "--variant", "print,screen")
    assert code == 0, output
    folder = out / "changzhi-2025" / "02"
    printed = colour_operators(folder / "print.pdf")
    # the banner and the masthead in exactly the inks layout.yaml gives
    assert ("scn", ("0.8", "0.4", "0", "0.125")) in printed
    assert not any(values == ("0", "0.95", "0.9", "0.1") for _, values in printed)
    assert not any(op in ("rg", "RG") for op, _ in printed)
    screen = colour_operators(folder / "screen.pdf")
    assert ("rg", ("0.2", "0.4", "0.6")) in screen  # #336699
    assert not any(values[:1] == ("0.784314",) for _, values in screen)  # the old red
