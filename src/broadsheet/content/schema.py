"""The content schema: what a series file and an installment file may hold."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from broadsheet.page.settings import Settings

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]


# Installment numbers: four digits at most.
MAX_NUMBER = 9999


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


class Figure(StrictModel):
    """A photo with its caption (图片说明) and credit, placed on the grid by the composer."""

    image: Text = Field(description="image file, relative to the content")
    caption: Text | None = Field(default=None, description="图片说明, typeset under the picture")
    credit: Text | None = Field(default=None, description="本报记者 ×× 摄, 资料图 …")
    span: int | None = Field(
        default=None, ge=1, le=8, description="columns wanted; the composer may choose"
    )
    importance: int = Field(default=2, ge=1, le=3, description="1 lead picture … 3 minor")


class Box(StrictModel):
    """A titled block of Markdown (数据链接, 相关阅读, 小贴士) the composer places."""

    title: Text
    body: Text = Field(description="Markdown")


Quotes = Text | list[Text]


class Installment(StrictModel):
    """Front matter of one installment file; the Markdown body follows it."""

    # strict: YAML 1.1 reads `true` and `on` as booleans, which would be number 1
    number: int = Field(ge=1, le=MAX_NUMBER, strict=True)
    date: dt.date
    headline: Text
    subhead: Text | None = None
    standfirst: Text | None = None
    editors_note: Text | None = Field(default=None, description="Markdown, 编者按")
    byline: Text | None = Field(default=None, description="本报记者 ×××, over the article")
    pull_quotes: Quotes | None = Field(default=None, description="one quote or a list")
    pull_quote: Quotes | None = Field(default=None, description="the older name of pull_quotes")
    figures: list[Figure] = Field(default_factory=list)
    boxes: list[Box] = Field(default_factory=list)
    advertisement: Advertisement | None = None
    settings: Settings = Field(default_factory=Settings, description="this installment's settings")

    @field_validator("pull_quote")
    @classmethod
    def _one_quote_key(cls, value: Any, info: ValidationInfo) -> Any:
        # on pull_quote (declared after pull_quotes), so the error names its line
        if value is not None and info.data.get("pull_quotes") is not None:
            raise ValueError("pull_quote and pull_quotes are one list: keep pull_quotes only")
        return value

    @property
    def quotes(self) -> list[str]:
        value = self.pull_quotes if self.pull_quotes is not None else self.pull_quote
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)
