"""WeasyPrint's messages and refusals as diagnostics on the stylesheet and line they are about."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.css import preprocess_stylesheet

from broadsheet.diagnostics import Diagnostic, warning
from broadsheet.engine.fetcher import RefusedURL

# WeasyPrint's messages give a rule's place as "at LINE:COLUMN", never its file.
POSITION = re.compile(r" at (\d+):(\d+)")
# WeasyPrint reads every stylesheet (a <link>ed file, an @import, the page's
# <style>) in this function, its URL in ``base_url`` and the rule being read in
# ``rule``: the one place that knows which file a message is about. Its frame
# is found on the stack, which WeasyPrint 70 offers no other way to learn.
_READING = preprocess_stylesheet.__code__


@dataclass(frozen=True)
class Logged:
    """One message the engine logged, and the stylesheet it was reading then."""

    message: str
    stylesheet: str | None = None  # the URL WeasyPrint read it from
    rule_line: int | None = None  # the rule being read, for messages without a place


class EngineLog(logging.Handler):
    """Collects WeasyPrint's warnings and errors with the stylesheet each is about."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.logged: list[Logged] = []

    def emit(self, record: logging.LogRecord) -> None:
        frame = _reading(_stack(sys._getframe(1)))
        url, line = _where(frame) if frame is not None else (None, None)
        self.logged.append(Logged(record.getMessage(), url, line))

    def diagnostics(self, blame: Path) -> list[Diagnostic]:
        """A warning for each message: on its stylesheet and line where it has one,
        else on ``blame`` (what the engine met while laying out the page)."""
        return [_diagnostic(logged, blame) for logged in self.logged]


@contextmanager
def engine_log() -> Iterator[EngineLog]:
    """Collect what WeasyPrint logs during a block, with where each message is from."""
    handler = EngineLog()
    weasyprint.LOGGER.addHandler(handler)
    try:
        yield handler
    finally:
        weasyprint.LOGGER.removeHandler(handler)


def refusal(exc: RefusedURL, blame: Path) -> Diagnostic:
    """The fetcher's refusal, on the stylesheet and line that asked for the URL
    (an @import, a font or colour profile ``src``) or else on ``blame``."""
    message = f"{exc.reason}: {exc.url}"
    frame = _reading(_traceback(exc.__traceback__))
    if frame is not None:
        url, line = _where(frame, exc.url)
        path = _stylesheet_path(url)
        if path is not None:
            return Diagnostic(path, message, line)
    return Diagnostic(blame, message)


def _diagnostic(logged: Logged, blame: Path) -> Diagnostic:
    path = _stylesheet_path(logged.stylesheet)
    if path is None:
        # the page's own <style> (lines count from its start) or the layout
        # stage, where no stylesheet is being read
        inline = logged.stylesheet is not None
        return warning(blame, f"page <style>: {logged.message}" if inline else logged.message)
    found = POSITION.search(logged.message)
    if found is None:
        return warning(path, logged.message, line=logged.rule_line)
    message = POSITION.sub("", logged.message, count=1)
    return warning(path, message, line=int(found[1]), column=int(found[2]))


def _stylesheet_path(url: str | None) -> Path | None:
    """The file a stylesheet was read from; None for the page's <style>, whose
    base URL is the installment's folder."""
    if not url or url.endswith("/"):
        return None
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return Path(url2pathname(unquote(parts.path)))


def _stack(frame: FrameType | None) -> Iterator[FrameType]:
    """Frames from the innermost out."""
    while frame is not None:
        yield frame
        frame = frame.f_back


def _traceback(tb: TracebackType | None) -> Iterator[FrameType]:
    """A traceback's frames from the innermost out."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return reversed(frames)


def _reading(frames: Iterator[FrameType]) -> FrameType | None:
    """The innermost frame reading a stylesheet."""
    return next((f for f in frames if f.f_code is _READING), None)


def _where(frame: FrameType, url: str | None = None) -> tuple[str | None, int | None]:
    """The stylesheet a reading frame reads, and the line of its rule (of the
    token naming ``url`` where that is found: the ``src`` inside a @font-face)."""
    base_url = frame.f_locals.get("base_url")
    rule = frame.f_locals.get("rule")
    line = getattr(rule, "source_line", None)
    if url is not None and rule is not None and isinstance(base_url, str):
        tokens = [*(getattr(rule, "prelude", None) or []), *(getattr(rule, "content", None) or [])]
        line = _url_line(tokens, base_url, url) or line
    return (base_url if isinstance(base_url, str) else None), line


def _url_line(tokens: list[Any], base_url: str, url: str) -> int | None:
    for token in tokens:
        value = None
        if token.type in ("url", "string"):
            value = token.value
        elif token.type == "function":
            if token.lower_name == "url":
                value = next((t.value for t in token.arguments if t.type == "string"), None)
            else:
                found = _url_line(token.arguments, base_url, url)
                if found:
                    return found
        elif token.type in ("() block", "[] block", "{} block"):
            found = _url_line(token.content, base_url, url)
            if found:
                return found
        if value is not None and url in (value, urljoin(base_url, value)):
            return token.source_line
    return None
