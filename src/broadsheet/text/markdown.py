"""Markdown body → a list of blocks (paragraphs, section headings) for the templates."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from broadsheet.text.marks import typeset_text
from broadsheet.text.normalise import joins_without_space

SECTION_LINE_SEPARATOR = " | "


@dataclass(frozen=True)
class ImageRef:
    src: str
    line: int


@dataclass(frozen=True)
class Block:
    """One top-level block of the body; ``kind`` picks the template that renders it."""

    kind: str  # "paragraph", "section_heading", "figure" or "html"
    line: int
    html: Markup = field(default_factory=Markup)  # a figure's: its caption
    lines: tuple[Markup, ...] = ()
    level: int = 0
    src: str = ""  # a figure's image URL
    credit: Markup | None = None  # a figure's credit (the image title)


@dataclass
class RenderedMarkdown:
    blocks: list[Block] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)


SAFE_LINK_SCHEMES = ("http", "https", "mailto")
# The links set as plain text because their scheme is not safe (javascript:,
# file:, data: …), with their lines: the caller that set a list here reports each.
refused_links: ContextVar[list[tuple[str, int]] | None] = ContextVar("refused_links", default=None)


# Emphasis, strong and links inside one another: a page needs three; the
# engine lays out nesting recursively and gives up some 300 deep.
MAX_INLINE_DEPTH = 16


class MarkupTooDeep(ValueError):
    """Inline markup nested deeper than MAX_INLINE_DEPTH, at ``line``."""

    def __init__(self, line: int, depth: int) -> None:
        super().__init__(
            f"emphasis and links nested {depth} deep (at most {MAX_INLINE_DEPTH}): "
            "a run of * or _ that is not meant as emphasis can be written \\*"
        )
        self.line = line


def make_parser() -> MarkdownIt:
    # Raw HTML stays off: content is data, it never carries markup or scripts.
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False})
    # markdown-it would silently print a refused image (file:, data:) as text;
    # keep every image so the image hook can refuse it with file and line.
    # Links are checked in _prepare_inline instead.
    parser.validateLink = lambda url: True
    parser.add_render_rule("text", _render_text)
    return parser


def _render_text(self, tokens: list[Token], index: int, options, env) -> str:
    token = tokens[index]
    return typeset_text(token.content, paragraph_end=bool(token.meta.get("paragraph_end")))


_PARSER = make_parser()


TextHook = Callable[[str], str]
# A text hook told the file line on which the text starts (for notes).
LineTextHook = Callable[[str, int], str]
ImageHook = Callable[[str, int], str]


def _with_lines(text_hook: TextHook | LineTextHook | None, lines: bool) -> LineTextHook | None:
    if text_hook is None or lines:
        return text_hook  # type: ignore[return-value]
    plain_hook: TextHook = text_hook  # type: ignore[assignment]
    return lambda text, line: plain_hook(text)


def render_markdown(
    source: str,
    first_line: int = 1,
    text_hook: TextHook | LineTextHook | None = None,
    image_hook: ImageHook | None = None,
    hook_takes_line: bool = False,
) -> RenderedMarkdown:
    """Parse Markdown and render each top-level block separately.

    ``first_line`` is the file line on which ``source`` starts; ``text_hook``
    (the normalisation stage) is applied to every text run before rendering,
    image alt texts included (with ``hook_takes_line``, it is also given the
    file line the run starts on); ``image_hook(src, line)`` checks an image
    and returns the URL to use.
    """
    text_hook = _with_lines(text_hook, hook_takes_line)
    tokens = _PARSER.parse(source)
    out = RenderedMarkdown()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = first_line + (token.map[0] if token.map else 0)
        end = _block_end(tokens, index)
        if token.type == "heading_open" and tokens[index + 1].type == "inline":
            inline = tokens[index + 1]
            _prepare_inline(inline, line, text_hook, image_hook, out.images)
            lines = _split_heading(inline)
            out.blocks.append(Block("section_heading", line, lines=lines, level=int(token.tag[1])))
        elif token.type == "paragraph_open" and tokens[index + 1].type == "inline":
            inline = tokens[index + 1]
            _prepare_inline(inline, line, text_hook, image_hook, out.images)
            figure = _implicit_figure(inline, line, text_hook)
            out.blocks.append(
                figure or Block("paragraph", line, html=_render_inline(inline.children or []))
            )
        else:
            chunk = tokens[index : end + 1]
            for child in chunk:
                if child.type == "inline":
                    child_line = first_line + (child.map[0] if child.map else 0)
                    _prepare_inline(child, child_line, text_hook, image_hook, out.images)
            html = _PARSER.renderer.render(chunk, _PARSER.options, {})
            out.blocks.append(Block("html", line, html=Markup(html)))
        index = end + 1
    return out


def render_inline_text(
    text: str,
    text_hook: TextHook | LineTextHook | None = None,
    first_line: int = 1,
    hook_takes_line: bool = False,
) -> Markup:
    """Render a short Markdown text (a front matter field) as inline HTML."""
    tokens = _PARSER.parseInline(text)
    if not tokens:
        return Markup("")
    _prepare_inline(tokens[0], first_line, _with_lines(text_hook, hook_takes_line), None, [])
    return _render_inline(tokens[0].children or [])


def _block_end(tokens: list[Token], start: int) -> int:
    """Index of the token closing the block opened at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth <= 0:
            return index
    return len(tokens) - 1


def _prepare_inline(
    inline: Token,
    line: int,
    text_hook: LineTextHook | None,
    image_hook: ImageHook | None,
    images: list[ImageRef],
) -> None:
    children = inline.children or []
    depth = deepest = 0
    for child in children:
        depth += child.nesting
        deepest = max(deepest, depth)
    if deepest > MAX_INLINE_DEPTH:
        raise MarkupTooDeep(line, deepest)
    texts = [c for c in children if c.type == "text" and c.content.strip()]
    if texts:
        texts[-1].meta["paragraph_end"] = True
    if text_hook:
        _normalise_runs(children, text_hook, line)
    for position, child in enumerate(children):
        if child.type == "softbreak":
            before = children[position - 1].content if position else ""
            after = children[position + 1].content if position + 1 < len(children) else ""
            if joins_without_space(before, after):
                # A line break in Chinese source is not a word space.
                child.type, child.content = "text", ""
            line += 1
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            scheme = urlsplit(href).scheme.lower()
            if scheme and scheme not in SAFE_LINK_SCHEMES:
                child.attrs.pop("href", None)  # javascript:, file:, data: … lead nowhere
                if (refused := refused_links.get()) is not None:
                    refused.append((href, line))
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            images.append(ImageRef(src, line))
            if image_hook:
                child.attrSet("src", image_hook(src, line))


def _normalise_runs(children: list[Token], text_hook: LineTextHook, line: int) -> None:
    """Normalise each run of text and soft breaks as one text, so that a pair of
    quotes or brackets split by a source line break still pairs up. An image's
    alt text (its caption) is normalised like any other text."""
    run: list[Token] = []
    run_line = line
    for child in [*children, None]:
        if child is not None and child.type in ("text", "softbreak"):
            if not run:
                run_line = line
            run.append(child)
            line += child.type == "softbreak"
            continue
        texts = [t for t in run if t.type == "text"]
        if texts:
            joined = "\n".join(t.content for t in _text_lines(run))
            normalised = text_hook(joined, run_line).split("\n")
            for token, part in zip(_text_lines(run), normalised, strict=True):
                token.content = part
        run = []
        if child is not None and child.type == "hardbreak":
            line += 1
        if child is not None and child.type == "image" and child.children:
            _normalise_runs(child.children, text_hook, line)


def _text_lines(run: list[Token]) -> list[Token]:
    """One text token per source line of a run (softbreaks separate lines)."""
    lines: list[Token] = []
    pending = True
    for token in run:
        if token.type == "softbreak":
            if pending:
                lines.append(Token("text", "", 0, content=""))
            pending = True
        elif pending:
            lines.append(token)
            pending = False
        else:
            raise AssertionError("markdown-it merges adjacent text tokens")
    if pending:
        lines.append(Token("text", "", 0, content=""))
    return lines


def _render_inline(children: list[Token]) -> Markup:
    html = _PARSER.renderer.renderInline(children, _PARSER.options, {})
    return Markup(html)  # markdown-it escapes text; raw HTML is disabled


def _implicit_figure(inline: Token, line: int, text_hook: LineTextHook | None) -> Block | None:
    """An image alone in its paragraph is a figure (Pandoc): its alt text the
    caption, its title (``![说明](a.jpg "本报记者 ×× 摄")``) the credit."""
    children = [
        c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())
    ]
    if len(children) != 1 or children[0].type != "image":
        return None
    image = children[0]
    caption = _render_inline(image.children or []) if image.children else Markup("")
    title = str(image.attrGet("title") or "").strip()
    credit = None
    if title:
        title = text_hook(title, line) if text_hook else title
        credit = Markup(typeset_text(title, paragraph_end=True))
    return Block("figure", line, html=caption, src=str(image.attrGet("src") or ""), credit=credit)


def _split_heading(inline: Token) -> tuple[Markup, ...]:
    """`## 系统谋划 | 以机制创新厚植项目沃土` → two heading lines."""
    children = inline.children or []
    if len(children) == 1 and children[0].type == "text":
        parts = [p.strip() for p in children[0].content.split(SECTION_LINE_SEPARATOR.strip())]
        return tuple(typeset_text(p) for p in parts if p)
    return (_render_inline(children),)
