"""The content schema: what a series file and an installment file may hold."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]


class StrictModel(BaseModel):
    # A typo such as `headlin:` must be an error, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Series(StrictModel):
    """What every installment of a series shares (``series.yaml``)."""

    id: Slug = Field(description="folder-safe series id, used in output paths")
    title: Text = Field(description="the series title in the masthead")
    label: Text = Field(default="系列报道", description="series label: ——{label}之二——")
    slogan: Text | None = Field(default=None, description="page slogan banner across the top")
    layout: Slug = Field(default="newspaper", description="folder under layouts/")
    page_format: Slug = Field(default="duikai", description="a page format the layout defines")
    language: Text = Field(default="zh-CN")


class Advertisement(StrictModel):
    text: Text = Field(description="the advertisement's words")
    image: Text | None = Field(default=None, description="image file, relative to the content")


class Installment(StrictModel):
    """Front matter of one installment file; the Markdown body follows it."""

    number: int = Field(ge=1, le=9999)
    date: dt.date
    headline: Text
    subhead: Text | None = None
    standfirst: Text | None = None
    editors_note: Text | None = Field(default=None, description="Markdown, 编者按")
    pull_quote: Text | None = None
    advertisement: Advertisement | None = None
