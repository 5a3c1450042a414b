"""What a layout declares about composing a page: the grid and the ranges the fit may use."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Length = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?(mm|pt)$")]
Range = tuple[float, float]


def mm(length: str) -> float:
    """A layout length in millimetres."""
    return float(length[:-2]) * (25.4 / 72 if length.endswith("pt") else 1.0)


class Composition(BaseModel):
    """The flexible area of a page and how the composer may fill it.

    ``sheet``: one page; the article is threaded through the columns of the
    area around the placed figures, quotes and boxes. ``flow``: a reading copy
    of one column over as many pages as it takes; figures, quotes and boxes are
    put between paragraphs where they fit.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["sheet", "flow"] = "sheet"
    columns: int = Field(default=5, ge=1, le=8)
    gutter: Length = "7mm"
    # flush: every column ends at the area's foot; balance: the text may end
    # short, with its last columns balanced.
    fill: Literal["flush", "balance"] = "flush"
    min_column_depth: Length = Field(default="30mm", description="shallower columns are not set")
    gap: Length = Field(default="5mm", description="between a placed block and the text")
    figure_spans: list[int] = Field(default=[2, 3], description="columns a figure may take")
    figure_scale: Range = Field(
        default=(0.75, 1.3), description="picture height ÷ its own height at that width (cropped)"
    )
    quote_spans: list[int] = Field(default=[2], description="columns a pull quote may take")
    box_spans: list[int] = Field(default=[1, 2], description="columns a box may take")
    leading: Range = Field(default=(1.62, 1.82), description="article line height, in em")
    quote_scales: list[float] = Field(
        default=[1.0], description="pull quote type sizes the fit may use, × the stylesheet's"
    )
    note_scales: list[float] = Field(
        default=[1.0], description="editor's note type sizes the fit may use, × the stylesheet's"
    )
    headline_scales: list[float] = Field(
        default=[1.0],
        description="headline sizes, × the stylesheet's: the largest on one line is used",
    )
    type_scales: list[float] = Field(
        default=[1.0], description="article type sizes the fit may use, × the stylesheet's"
    )
    note_columns: int = Field(default=2, ge=1, le=4, description="the editor's note's columns")
    max_candidates: int = Field(default=160, ge=1, description="arrangements scored at most")

    @model_validator(mode="after")
    def _spans_fit(self) -> Composition:
        for name in ("figure_spans", "quote_spans", "box_spans"):
            wide = [s for s in getattr(self, name) if not 1 <= s <= self.columns]
            if wide:
                raise ValueError(f"{name}: {wide[0]} is not between 1 and columns ({self.columns})")
        for name in ("type_scales", "quote_scales", "note_scales", "headline_scales"):
            values = getattr(self, name)
            if not values or any(not 0.5 <= s <= 2 for s in values):
                raise ValueError(f"{name}: each between 0.5 and 2")
        for name in ("figure_scale", "leading"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name}: [{low}, {high}] is not a range")
        return self

    @property
    def spans(self) -> list[int]:
        """Every width (in columns) a placed block may take: each is measured once."""
        return sorted({*self.figure_spans, *self.quote_spans, *self.box_spans})

    def column_width(self, area_width: float) -> float:
        return (area_width - (self.columns - 1) * mm(self.gutter)) / self.columns

    def span_width(self, area_width: float, span: int) -> float:
        return span * self.column_width(area_width) + (span - 1) * mm(self.gutter)
