"""Build settings and their cascade: layout defaults → series → installment → variant."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from broadsheet.compose.rules import Composition
from broadsheet.diagnostics import display_path
from broadsheet.page.blocks import HIDEABLE
from broadsheet.pdf import VARIANTS

# Both read from their tables: a new hideable block or PDF flavour needs no edit here.
BlockName = Literal[HIDEABLE]  # type: ignore[valid-type]
PdfVariant = Literal[tuple(VARIANTS)]  # type: ignore[valid-type]


class Settings(BaseModel):
    """Everything a variant may change. Unset fields fall through the cascade."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    layout: str | None = Field(default=None, description="folder under layouts/")
    page_format: str | None = Field(default=None, description="a page format of the layout")
    stylesheets: list[str] | None = Field(
        default=None, description="extra CSS files of the layout folder, after its own"
    )
    hide: list[BlockName] | None = Field(default=None, description="blocks left off the page")
    image_dpi: int | None = Field(
        default=None, ge=36, le=2400, description="downsample images to this resolution"
    )
    max_pages: int | None = Field(default=None, ge=1, description="pages the installment may take")
    article_may_continue: bool | None = Field(
        default=None, description="whether the article may run onto pages past max_pages"
    )
    running_header: bool | None = Field(
        default=None, description="series title and installment label atop every page"
    )
    page_numbers: bool | None = Field(default=None, description="第 N 页 共 M 页 at the foot")
    pdf_variant: PdfVariant | None = Field(
        default=None,
        description="PDF/X for print (with a CMYK output intent), PDF/A-3 for the archive",
    )
    embed_sources: bool | None = Field(
        default=None, description="attach the installment's sources to the PDF (archives)"
    )
    composition: Composition | None = Field(
        default=None, description="the page grid and fit ranges the composer works with"
    )


BUILT_IN = Settings(
    layout="newspaper",
    page_format="duikai",
    stylesheets=[],
    hide=[],
    image_dpi=None,
    max_pages=1,
    article_may_continue=False,
    running_header=False,
    page_numbers=False,
    pdf_variant=None,
    embed_sources=False,
    composition=None,
)


@dataclass(frozen=True)
class Origin:
    path: Path | str
    line: int | None = None

    def __str__(self) -> str:
        where = str(display_path(self.path))
        return f"{where}:{self.line}" if self.line else where


@dataclass(frozen=True)
class Layer:
    """One level of the cascade: the settings it sets and where each one is written."""

    settings: Settings
    origins: dict[str, Origin]


@dataclass(frozen=True)
class EffectiveSettings:
    variant: str
    values: dict[str, Any]
    origins: dict[str, Origin]

    def __getattr__(self, name: str) -> Any:
        # Only settings: dunder lookups (pickling a job for a worker) must not recurse.
        values = self.__dict__.get("values")
        if values is None or name.startswith("__") or name not in values:
            raise AttributeError(name)
        return values[name]

    def describe(self) -> list[tuple[str, Any, Origin]]:
        return [(name, self.values[name], self.origins[name]) for name in Settings.model_fields]


def cascade(variant: str, layers: list[Layer]) -> EffectiveSettings:
    """Later layers win; every value remembers the file and line that set it."""
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for layer in [Layer(BUILT_IN, {}), *layers]:
        for name in layer.settings.model_fields_set:
            value = getattr(layer.settings, name)
            if value is None:
                continue
            values[name] = value
            origins[name] = layer.origins.get(name, Origin("broadsheet defaults"))
    for name in Settings.model_fields:
        values.setdefault(name, getattr(BUILT_IN, name))
        origins.setdefault(name, Origin("broadsheet defaults"))
    return EffectiveSettings(variant, values, origins)
