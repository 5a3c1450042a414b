"""Text stage: normalise every text the table of page blocks names and set it for the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from broadsheet.content import Edition
from broadsheet.content.numerals import installment_label
from broadsheet.diagnostics import Diagnostic
from broadsheet.page.blocks import PAGE_TEXTS, PageText
from broadsheet.text.markdown import render_inline_text, render_markdown
from broadsheet.text.notes import NoteTaker

# ``hook(src, line, field)``: checks an image the content names, returns its URL.
FieldImageHook = Callable[[str, int, str], str]


@dataclass(frozen=True)
class PreparedText:
    """Each page text by its context name, ready for the templates, and the notes
    of what normalisation changed on the way."""

    values: dict[str, Any]
    notes: list[Diagnostic] = field(default_factory=list)


def source_value(edition: Edition, text: PageText) -> tuple[Any, int]:
    """The raw value of a page text and the file line it starts on."""
    if text.file == "installment" and text.key == ("body",):
        return edition.body, edition.body_first_line
    model, source = (
        (edition.series, edition.series_source)
        if text.file == "series"
        else (edition.installment, edition.installment_source)
    )
    value: Any = model
    for part in text.key:
        value = getattr(value, part, None) if value is not None else None
    return value, source.line_of(text.key)


def prepare_text(edition: Edition, image_hook: FieldImageHook | None = None) -> PreparedText:
    taker = NoteTaker()
    values: dict[str, Any] = {}
    for text in PAGE_TEXTS:
        raw, line = source_value(edition, text)
        path = edition.series_path if text.file == "series" else edition.installment_path
        values[text.name] = _prepare(
            text, raw, line, edition, taker.normaliser(path, text.field), image_hook
        )
    # In file order: the series file first, then the installment, line by line.
    notes = sorted(
        taker.notes,
        key=lambda d: (d.path != edition.series_path, d.line or 0, d.column or 0),
    )
    return PreparedText(values, notes)


def _prepare(
    text: PageText,
    raw: Any,
    line: int,
    edition: Edition,
    hook: Callable[[str, int], str],
    image_hook: FieldImageHook | None,
) -> Any:
    images = None if image_hook is None else lambda src, line: image_hook(src, line, text.field)
    if text.form == "markdown":
        return render_markdown(raw or "", line, hook, images, hook_takes_line=True).blocks
    if text.form == "paragraphs":
        if not raw:
            return []
        rendered = render_markdown(raw, line, hook, images, hook_takes_line=True)
        return [b.html for b in rendered.blocks if b.kind == "paragraph"]
    if raw is None:
        return None
    if text.form == "inline":
        return render_inline_text(raw, hook, line, hook_takes_line=True)
    if text.form == "plain":
        return hook(raw, line)
    if text.form == "label":
        return installment_label(hook(raw, line), edition.installment.number)
    if text.form == "image":
        return image_hook(raw, line, text.field) if image_hook else raw
    raise ValueError(f"unknown text form {text.form!r} for {text.name}")
