"""Markdown body → a list of blocks (paragraphs, section headings) for the templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from broadsheet.normalise import joins_without_space

SECTION_LINE_SEPARATOR = " | "


@dataclass(frozen=True)
class ImageRef:
    src: str
    line: int


@dataclass(frozen=True)
class Block:
    """One top-level block of the body; ``kind`` picks the template that renders it."""

    kind: str  # "paragraph", "section_heading" or "html"
    line: int
    html: Markup = field(default_factory=Markup)
    lines: tuple[Markup, ...] = ()
    level: int = 0


@dataclass
class RenderedMarkdown:
    blocks: list[Block] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)


SAFE_LINK_SCHEMES = ("http", "https", "mailto")


def make_parser() -> MarkdownIt:
    # Raw HTML stays off: content is data, it never carries markup or scripts.
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False})
    # markdown-it would silently print a refused image (file:, data:) as text;
    # keep every image so the image hook can refuse it with file and line.
    # Links are checked in _prepare_inline instead.
    parser.validateLink = lambda url: True
    return parser


_PARSER = make_parser()


TextHook = Callable[[str], str]
ImageHook = Callable[[str, int], str]


def render_markdown(
    source: str,
    first_line: int = 1,
    text_hook: TextHook | None = None,
    image_hook: ImageHook | None = None,
) -> RenderedMarkdown:
    """Parse Markdown and render each top-level block separately.

    ``first_line`` is the file line on which ``source`` starts; ``text_hook``
    (the normalisation stage) is applied to every text run before rendering;
    ``image_hook(src, line)`` checks an image and returns the URL to use.
    """
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
            out.blocks.append(Block("paragraph", line, html=_render_inline(inline.children or [])))
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


def render_inline_text(text: str, text_hook: TextHook | None = None) -> Markup:
    """Render a short Markdown text (a front matter field) as inline HTML."""
    tokens = _PARSER.parseInline(text)
    if not tokens:
        return Markup("")
    _prepare_inline(tokens[0], 1, text_hook, None, [])
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
    text_hook: TextHook | None,
    image_hook: ImageHook | None,
    images: list[ImageRef],
) -> None:
    children = inline.children or []
    for position, child in enumerate(children):
        if child.type == "text" and text_hook:
            child.content = text_hook(child.content)
        elif child.type == "softbreak":
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
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            images.append(ImageRef(src, line))
            if image_hook:
                child.attrSet("src", image_hook(src, line))


def _render_inline(children: list[Token]) -> Markup:
    html = _PARSER.renderer.renderInline(children, _PARSER.options, {})
    return Markup(html)  # markdown-it escapes text; raw HTML is disabled


def _split_heading(inline: Token) -> tuple[Markup, ...]:
    """`## 系统谋划 | 以机制创新厚植项目沃土` → two heading lines."""
    children = inline.children or []
    if len(children) == 1 and children[0].type == "text":
        parts = [p.strip() for p in children[0].content.split(SECTION_LINE_SEPARATOR.strip())]
        return tuple(Markup.escape(p) for p in parts if p)
    return (_render_inline(children),)
