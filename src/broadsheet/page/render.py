"""HTML stage: the edition's prepared text through the layout's Jinja2 templates."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import stat
import traceback
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import FileSystemBytecodeCache
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from broadsheet import __version__, limits
from broadsheet.content.placeholders import PLACEHOLDER
from broadsheet.diagnostics import Diagnostic, LayoutError
from broadsheet.page.blocks import PAGE_BLOCKS, part
from broadsheet.page.layouts import Layout
from broadsheet.text.marks import INVISIBLE


def page_context(
    texts: dict[str, Any], hidden: set[str] | list[str], **page: Any
) -> dict[str, Any]:
    """Everything a layout's templates may use; a missing name is an error.

    One entry per text of the table of page blocks (empty when its block is
    hidden), ``shown`` (block name → bool) and the page's own values (series,
    installment, variant, settings, page, page_format, stylesheets, …).
    """
    context = dict(page)
    shown = {block.name: block.name not in hidden for block in PAGE_BLOCKS}
    for block in PAGE_BLOCKS:
        for text in block.texts:
            context[text.name] = texts[text.name] if shown[block.name] else text.empty
    context["shown"] = shown
    context["generator"] = f"broadsheet {__version__}"
    return context


def css_string(value: object) -> Markup:
    """A quoted CSS string, safe inside <style> (no quote, backslash or tag can escape)."""
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\A "), ("<", "\\3C ")):
        text = text.replace(char, escaped)
    return Markup(f'"{text}"')


def plain(value: object) -> str:
    """Text without markup or the typography marks: for attributes and bookmarks."""
    text = Markup(value).striptags() if isinstance(value, Markup) else str(value)
    return text.translate(dict.fromkeys(map(ord, INVISIBLE)))


def make_environment(layout: Layout) -> jinja2.Environment:
    return _environment(tuple(folder.resolve() for folder in layout.folders))


# What one template operation may make: a page's HTML is some 100 kB.
MAX_MADE = 1_000_000


class _LayoutEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` bounded: ``'a' * 10**9`` would take a
    gigabyte in one step, before any time bound could stop it."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        integers = isinstance(left, int) and isinstance(right, int)
        # the result's size in bits, before computing it
        if operator == "**" and integers and right * abs(left).bit_length() > MAX_MADE * 8:
            raise SecurityError(f"{left} ** {right} is too large to make")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                repeated = isinstance(sequence, str | list | tuple) and isinstance(count, int)
                if repeated and len(sequence) * count > MAX_MADE:
                    raise SecurityError(
                        f"repeating a {len(sequence)}-long value {count} times is too large"
                    )
        return super().call_binop(context, operator, left, right)


class _CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept on disk between runs (compiling a layout's
    templates is 50 ms of every start), in the user's private cache folder,
    under names of our own: only code compiled by this version's sandbox with
    these options is ever loaded, never another environment's compilation of
    the same template file. A cache that cannot be read or written is no
    cache, never an error."""

    def __init__(self, options: str, folder: Path) -> None:
        key = hashlib.sha256(f"{__version__}|{options}".encode()).hexdigest()[:16]
        super().__init__(str(folder), pattern=f"__broadsheet_{key}_%s.cache")

    def load_bytecode(self, bucket: Any) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Any) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache_folder() -> Path | None:
    """``$XDG_CACHE_HOME/broadsheet/templates`` (``~/.cache/…``), made private
    to this user; None when it cannot be, or is not, private (another user
    could plant compiled code there)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "broadsheet" / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077
    return folder if private and info.st_uid == os.getuid() else None


def _compiled_templates(options: str) -> FileSystemBytecodeCache | None:
    folder = template_cache_folder()
    return _CompiledTemplates(options, folder) if folder else None


@functools.lru_cache(maxsize=16)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    # One environment per layout chain and process: it keeps the compiled
    # templates, and recompiles one whose file changed (auto_reload).
    # A layout that extends another finds each template in its own folder
    # first, then in its parent's: a child overrides only the parts it has.
    # Sandboxed: a layout is data, not code. Jinja2's plain environment lets a
    # template reach Python (``cycler.__init__.__globals__.os``); the immutable
    # sandbox also keeps templates from changing the context's lists and dicts.
    options = {
        # Every template is HTML: escape all content, whatever the file name.
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    compiled_by = f"{_LayoutEnvironment.__name__}|{sorted(_LayoutEnvironment.intercepted_binops)}"
    env = _LayoutEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(f) for f in folders]),
        auto_reload=True,
        bytecode_cache=_compiled_templates(f"{compiled_by}|{sorted(options.items(), key=str)}"),
        **options,
    )
    env.filters["css_string"] = css_string
    env.filters["plain"] = plain
    env.globals["part"] = part
    return env


def render_page(layout: Layout, context: dict[str, Any]) -> str:
    """Render the layout's page template; template errors name template and line."""
    env = make_environment(layout)
    try:
        template = env.get_template(layout.config.template)
        html = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        path = Path(exc.filename) if exc.filename else layout.find(exc.name or "?")
        raise LayoutError(Diagnostic(path, f"template syntax: {exc.message}", exc.lineno)) from None
    except SecurityError as exc:
        path, line = _template_frame(exc, layout.folders)
        raise LayoutError(Diagnostic(path, f"template refused: {exc}", line)) from None
    except jinja2.TemplateNotFound as exc:
        # an include or import names the template (and line) that asked for it
        path, line = _template_frame(exc, layout.folders)
        where = {"field": "template"} if line is None else {"line": line}
        raise LayoutError(Diagnostic(path, f"template not found: {exc.name}", **where)) from None
    except Exception as exc:
        path, line = _template_frame(exc, layout.folders)
        message = str(exc) if isinstance(exc, jinja2.UndefinedError) else repr(exc)
        if isinstance(exc, MemoryError):
            message = limits.out_of_memory()
        raise LayoutError(Diagnostic(path, f"template error: {message}", line)) from None
    if context.get("draft_placeholders"):
        html = mark_placeholders(html)
    return html


def mark_placeholders(html: str) -> str:
    """A draft's placeholders marked where the page shows them (the body: not
    the title or other attributes of the head), for the desk to see at a glance."""
    head, found, body = html.partition("<body")
    if not found:
        return html
    mark = f'<mark class="draft-placeholder">{PLACEHOLDER}</mark>'
    # in text only: a placeholder in an attribute (an image's alt) stays as it is
    parts = re.split(r"(<[^>]*>)", body)
    return (
        head
        + found
        + "".join(
            part if part.startswith("<") else part.replace(PLACEHOLDER, mark) for part in parts
        )
    )


def _template_frame(exc: BaseException, folders: tuple[Path, ...]) -> tuple[Path, int | None]:
    """The innermost traceback frame that runs one of the layout's templates
    (its own or a parent's)."""
    found: tuple[Path, int | None] = (folders[0], None)
    resolved = [folder.resolve() for folder in folders]
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if path.is_absolute() and any(path.resolve().is_relative_to(f) for f in resolved):
            found = (path, frame.lineno)
    return found
