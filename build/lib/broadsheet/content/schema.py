"""The content schema: what a series file and an installment file may hold."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from broadsheet.page.settings import Settings

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
    layout: Slug | None = Field(default=None, description="folder under layouts/")
    page_format: Slug | None = Field(default=None, description="a page format of the layout")
    language: Text = Field(default="zh-CN")
    publisher: Text | None = Field(default=None, description="the paper, for archive metadata")
    settings: Settings = Field(default_factory=Settings, description="series-wide settings")
    variants: dict[Slug, Settings] = Field(
        default_factory=lambda: {"print": Settings()},
        description="the editions built of every installment, with their own settings",
    )

    @field_validator("variants")
    @classmethod
    def _some_variant(cls, value: dict[str, Settings]) -> dict[str, Settings]:
        if not value:
            raise ValueError("a series needs at least one variant")
        return value


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
    settings: Settings = Field(default_factory=Settings, description="this installment's settings")
