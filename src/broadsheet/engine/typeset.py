"""Typesetting stage: HTML → laid-out WeasyPrint document → PDF bytes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import weasyprint

from broadsheet.diagnostics import Diagnostic, ResourceError
from broadsheet.engine.fetcher import RefusedURL, SafeURLFetcher
from broadsheet.engine.lines import cjk_line_layout


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def engine_warnings() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs (ignored CSS, failed fetches) during a block."""
    handler = _Collect()
    logger = weasyprint.LOGGER
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def typeset(
    html: str, base_url: Path, fetcher: SafeURLFetcher, blame: Path, warnings: list[str]
) -> weasyprint.Document:
    """Lay out ``html``; a refused or missing resource is blamed on ``blame``."""
    with engine_warnings() as messages, cjk_line_layout():
        try:
            document = weasyprint.HTML(
                string=html, base_url=base_url.resolve().as_uri() + "/", url_fetcher=fetcher
            ).render()
        except RefusedURL as exc:
            raise ResourceError(Diagnostic(blame, f"{exc.reason}: {exc.url}")) from None
    warnings.extend(messages)
    return document


def write_pdf(
    document: weasyprint.Document,
    fetcher: SafeURLFetcher,
    blame: Path,
    pdf_variant: str | None = None,
    attachments: list[weasyprint.Attachment] | None = None,
    identifier: bytes | None = None,
) -> bytes:
    """The PDF bytes; ``identifier`` (the file's /ID) keeps rebuilds byte-identical
    where WeasyPrint would draw a random one (PDF/A, PDF/X)."""
    options = {"pdf_variant": pdf_variant, "attachments": attachments}
    if identifier is not None:
        options["pdf_identifier"] = identifier
    try:
        # drawing re-shapes every line: justification must be active here too
        with cjk_line_layout():
            return document.write_pdf(**options)
    except RefusedURL as exc:
        raise ResourceError(Diagnostic(blame, f"{exc.reason}: {exc.url}")) from None
