"""The table of page blocks: what each block shows, where its text is written, how it is set.

Every stage reads this one table: the text stage prepares (and notes) each text
named here, ``hide`` accepts the blocks marked hideable, the template context
gets one entry per text, and the page template includes each block's part by
name. Adding a block kind is a row here plus a part template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a text is prepared (always normalised first, GB/T 15834):
#   inline     Markdown inline, with the typography marks (justified text)
#   paragraphs Markdown paragraphs, with the typography marks
#   markdown   the article body: paragraphs, section headings, figures
#   plain      text only, no marks (display lines: banner, advertisement)
#   label      the series label composed into ——{label}之二——
#   image      not text: a picture's file, checked and resolved to a URL
#   inline_list one text or a list of them, each inline (pull quotes)
#   figures    pictures with caption and credit (inline), for the composer
#   boxes      titled Markdown blocks (数据链接 …), for the composer
Form = Literal[
    "inline", "paragraphs", "markdown", "plain", "label", "image", "inline_list", "figures", "boxes"
]
# Where a text is written: the series file or the installment file, then the key path.
Source = tuple[str, ...]


@dataclass(frozen=True)
class PageText:
    """One text of a block: its name in the template context, its source, its form."""

    name: str
    source: Source
    form: Form
    # Older keys still read when the source key is unset (pull_quote → pull_quotes).
    aliases: tuple[Source, ...] = ()

    @property
    def file(self) -> str:
        return self.source[0]

    @property
    def key(self) -> tuple[str, ...]:
        """The key path inside its file (``body`` is the installment's Markdown)."""
        return self.source[1:]

    @property
    def field(self) -> str:
        return ".".join(self.key)

    @property
    def empty(self) -> list | None:
        """Its value in the template context when its block is hidden or unset."""
        return [] if self.form in ("markdown", "paragraphs", *LIST_FORMS) else None


@dataclass(frozen=True)
class PageBlock:
    name: str
    part: str
    texts: tuple[PageText, ...]
    hideable: bool


LIST_FORMS = ("inline_list", "figures", "boxes")


def _text(name: str, source: str, form: Form, *aliases: str) -> PageText:
    return PageText(
        name, tuple(source.split(".")), form, tuple(tuple(a.split(".")) for a in aliases)
    )


PAGE_BLOCKS: tuple[PageBlock, ...] = (
    PageBlock(
        "banner",
        "parts/banner.html.j2",
        (_text("slogan", "series.slogan", "plain"),),
        hideable=True,
    ),
    PageBlock(
        "masthead",
        "parts/masthead.html.j2",
        (
            _text("series_title", "series.title", "inline"),
            _text("label", "series.label", "label"),
        ),
        hideable=True,
    ),
    PageBlock(
        "standfirst",
        "parts/standfirst.html.j2",
        (_text("standfirst", "installment.standfirst", "inline"),),
        hideable=True,
    ),
    PageBlock(
        "headline",
        "parts/headline.html.j2",
        (
            _text("headline", "installment.headline", "inline"),
            _text("subhead", "installment.subhead", "inline"),
        ),
        hideable=False,
    ),
    PageBlock(
        "editors_note",
        "parts/editors_note.html.j2",
        (_text("editors_note", "installment.editors_note", "paragraphs"),),
        hideable=True,
    ),
    PageBlock(
        "article",
        "parts/article.html.j2",
        (
            _text("blocks", "installment.body", "markdown"),
            _text("byline", "installment.byline", "inline"),
        ),
        hideable=False,
    ),
    PageBlock(
        "figures",
        "parts/figure.html.j2",
        (_text("figures", "installment.figures", "figures"),),
        hideable=True,
    ),
    PageBlock(
        "pull_quote",
        "parts/pull_quote.html.j2",
        (
            _text(
                "pull_quotes",
                "installment.pull_quotes",
                "inline_list",
                "installment.pull_quote",
            ),
        ),
        hideable=True,
    ),
    PageBlock(
        "boxes",
        "parts/box.html.j2",
        (_text("boxes", "installment.boxes", "boxes"),),
        hideable=True,
    ),
    PageBlock(
        "advertisement",
        "parts/advertisement.html.j2",
        (
            _text("advertisement_text", "installment.advertisement.text", "plain"),
            _text("advertisement_image", "installment.advertisement.image", "image"),
        ),
        hideable=True,
    ),
)

BLOCKS_BY_NAME = {block.name: block for block in PAGE_BLOCKS}
HIDEABLE = tuple(block.name for block in PAGE_BLOCKS if block.hideable)
PAGE_TEXTS: tuple[PageText, ...] = tuple(text for block in PAGE_BLOCKS for text in block.texts)


def part(name: str) -> str:
    """The template of a block, for ``{% include part("banner") %}``."""
    try:
        return BLOCKS_BY_NAME[name].part
    except KeyError:
        known = ", ".join(BLOCKS_BY_NAME)
        raise KeyError(f"no page block '{name}' (blocks: {known})") from None
