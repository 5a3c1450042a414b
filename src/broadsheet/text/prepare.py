"""Text stage: normalise every text the table of page blocks names and set it for the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from broadsheet.content import Edition
from broadsheet.content.numerals import installment_label
from broadsheet.diagnostics import ContentError, Diagnostic, warning
from broadsheet.page.blocks import PAGE_TEXTS, PageText
from broadsheet.text.markdown import (
    Block,
    MarkupTooDeep,
    refused_links,
    render_inline_text,
    render_markdown,
)
from broadsheet.text.notes import NoteTaker

# ``hook(src, line, field)``: checks an image the content names, returns its URL.
FieldImageHook = Callable[[str, int, str], str]


@dataclass(frozen=True)
class PreparedText:
    """Each page text by its context name, ready for the templates, and the notes
    of what normalisation changed on the way."""

    values: dict[str, Any]
    notes: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def source_value(edition: Edition, text: PageText) -> tuple[Any, int]:
    """The raw value of a page text and the file line it starts on."""
    if text.file == "installment" and text.key == ("body",):
        return edition.body, edition.body_first_line
    model, source = (
        (edition.series, edition.series_source)
        if text.file == "series"
        else (edition.installment, edition.installment_source)
    )
    for key in (text.key, *(alias[1:] for alias in text.aliases)):
        value: Any = model
        for part in key:
            value = getattr(value, part, None) if value is not None else None
        if value is not None:
            return value, source.line_of(key)
    return None, source.line_of(text.key)


def prepare_text(edition: Edition, image_hook: FieldImageHook | None = None) -> PreparedText:
    taker = NoteTaker()
    values: dict[str, Any] = {}
    warnings: list[Diagnostic] = []
    for text in PAGE_TEXTS:
        raw, line = source_value(edition, text)
        path = edition.series_path if text.file == "series" else edition.installment_path
        refused: list[tuple[str, int]] = []
        setting = refused_links.set(refused)
        try:
            if text.form in ("figures", "boxes"):
                values[text.name] = _prepare_items(text, raw, edition, taker, image_hook)
                continue
            values[text.name] = _prepare(
                text, raw, line, edition, taker.normaliser(path, text.field), image_hook
            )
        except MarkupTooDeep as exc:
            raise ContentError(Diagnostic(path, str(exc), exc.line, text.field)) from None
        finally:
            refused_links.reset(setting)
        warnings += [
            warning(
                path,
                f"link {href[:80]!r} set as plain text: only http, https and mailto links are kept",
                line=at,
                field=text.field,
            )
            for href, at in refused
        ]
    # An image alone in its paragraph is a figure (Pandoc's implicit figures):
    # it joins the figures, anchored where it stood, and leaves the text flow.
    body_figures = [b for b in values["blocks"] if b.kind == "figure"]
    if body_figures:
        values["blocks"] = [b for b in values["blocks"] if b.kind != "figure"]
        values["figures"] = [*values["figures"], *_body_figures(values["blocks"], body_figures)]
    # In file order: the series file first, then the installment, line by line.
    notes = sorted(
        taker.notes,
        key=lambda d: (d.path != edition.series_path, d.line or 0, d.column or 0),
    )
    return PreparedText(values, notes, warnings)


@dataclass(frozen=True)
class PreparedFigure:
    """A picture for the composer: its URL, typeset caption and credit, wishes, and
    ``anchor``, the number of article blocks before the place it belongs."""

    image: str
    caption: Markup | None
    credit: Markup | None
    span: int | None
    importance: int
    line: int
    field: str
    anchor: int | None = None


@dataclass(frozen=True)
class PreparedBox:
    title: Markup
    blocks: list[Block]
    line: int
    field: str


def _item_line(edition: Edition, text: PageText, index: int, fallback: int) -> int:
    """The line of one item of a list (or the key's line for a single string)."""
    for key in (text.key, *(alias[1:] for alias in text.aliases)):
        value = getattr(edition.installment, key[-1], None)
        if isinstance(value, list):
            return edition.installment_source.line_of((*key, index))
    return fallback


def _prepare_items(
    text: PageText,
    raw: Any,
    edition: Edition,
    taker: NoteTaker,
    image_hook: FieldImageHook | None,
) -> list:
    source, path = edition.installment_source, edition.installment_path
    prepared: list = []
    for index, item in enumerate(raw or []):
        key = (*text.key, index)
        field_name = ".".join(map(str, key))

        def at(name: str, key: tuple = key) -> int:
            return source.line_of((*key, name))

        def inline(name: str, value: str | None, field_name: str = field_name) -> Markup | None:
            if value is None:
                return None
            hook = taker.normaliser(path, f"{field_name}.{name}")
            return render_inline_text(value, hook, at(name), hook_takes_line=True)

        if text.form == "figures":
            image_field = f"{field_name}.image"
            url = image_hook(item.image, at("image"), image_field) if image_hook else item.image
            prepared.append(
                PreparedFigure(
                    url,
                    inline("caption", item.caption),
                    inline("credit", item.credit),
                    item.span,
                    item.importance,
                    source.line_of(key),
                    field_name,
                )
            )
        else:
            hook = taker.normaliser(path, f"{field_name}.body")
            # a block scalar (body: |) starts on the line after its key
            body = render_markdown(item.body, at("body") + 1, hook, None, hook_takes_line=True)
            title = inline("title", item.title)
            assert title is not None
            prepared.append(PreparedBox(title, body.blocks, source.line_of(key), field_name))
    return prepared


def _body_figures(blocks: list[Block], figures: list[Block]) -> list[PreparedFigure]:
    found = []
    for figure in figures:
        before = sum(1 for b in blocks if b.line < figure.line)
        found.append(
            PreparedFigure(
                figure.src,
                figure.html or None,
                figure.credit,
                None,
                2,
                figure.line,
                "body",
                anchor=before,
            )
        )
    return found


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
        return text.empty
    if text.form == "inline":
        return render_inline_text(raw, hook, line, hook_takes_line=True)
    if text.form == "plain":
        return hook(raw, line)
    if text.form == "label":
        return installment_label(hook(raw, line), edition.installment.number)
    if text.form == "image":
        return image_hook(raw, line, text.field) if image_hook else raw
    if text.form == "inline_list":
        items = [raw] if isinstance(raw, str) else list(raw)
        return [
            render_inline_text(item, hook, _item_line(edition, text, index, line), True)
            for index, item in enumerate(items)
        ]
    raise ValueError(f"unknown text form {text.form!r} for {text.name}")
