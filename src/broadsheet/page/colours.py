"""A layout's colours: each named once, with its screen and its print value.

``colours:`` in layout.yaml gives every colour its RGB value (screen and
archive PDFs) and its CMYK value (print PDFs, in the inks the press is told
to use) side by side, so one edit changes every variant and a print colour is
never an automatic conversion. The page template writes them as CSS custom
properties (``--accent`` …) in a ``:root`` block before the layout's
stylesheets, whose rules use ``var(--accent)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from broadsheet.content.schema import StrictModel

# A CSS custom property name's tail: written into a <style> unescaped, so only
# letters, digits and hyphens.
ColourName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=3)]


class Colour(StrictModel):
    rgb: Annotated[str, StringConstraints(pattern=r"^#([0-9a-fA-F]{3}){1,2}$")] = Field(
        description="the screen value, #rrggbb"
    )
    cmyk: tuple[Percent, Percent, Percent, Percent] = Field(
        description="the print value: cyan, magenta, yellow, black in percent of ink"
    )


def css_values(colours: dict[str, Colour], cmyk: bool) -> dict[str, str]:
    """Each colour's CSS value: ``device-cmyk()`` for a print PDF, else RGB.

    Ink percentages are written as the fractions device-cmyk() takes, exactly
    (Decimal: 95 → 0.95, never 0.9500000001), so the PDF's ``k`` operators
    carry the values layout.yaml gives."""
    if not cmyk:
        return {name: colour.rgb for name, colour in colours.items()}
    return {
        name: "device-cmyk({})".format(" ".join(_fraction(v) for v in colour.cmyk))
        for name, colour in colours.items()
    }


def _fraction(percent: Decimal) -> str:
    value = (percent / 100).normalize()
    return format(value, "f")
