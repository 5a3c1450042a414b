"""Text stage: normalise every text of an edition and turn Markdown into blocks."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from broadsheet.content import Edition
from broadsheet.text.markdown import Block, ImageHook, render_inline_text, render_markdown
from broadsheet.text.normalise import normalise_text


@dataclass(frozen=True)
class PreparedText:
    series_title: Markup
    headline: Markup
    subhead: Markup | None
    standfirst: Markup | None
    editors_note: list[Markup]
    pull_quote: Markup | None
    blocks: list[Block]


def prepare_text(edition: Edition, image_hook: ImageHook | None = None) -> PreparedText:
    item = edition.installment

    def inline(text: str | None) -> Markup | None:
        return None if text is None else render_inline_text(text, normalise_text)

    note_blocks = []
    if item.editors_note:
        note_line = edition.installment_source.line_of(("editors_note",))
        note = render_markdown(item.editors_note, note_line, normalise_text, image_hook)
        note_blocks = [b.html for b in note.blocks if b.kind == "paragraph"]
    body = render_markdown(edition.body, edition.body_first_line, normalise_text, image_hook)
    return PreparedText(
        series_title=inline(edition.series.title) or Markup(""),
        headline=inline(item.headline) or Markup(""),
        subhead=inline(item.subhead),
        standfirst=inline(item.standfirst),
        editors_note=note_blocks,
        pull_quote=inline(item.pull_quote),
        blocks=body.blocks,
    )
