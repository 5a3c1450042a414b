"""The preview's build: one installment × variant typeset in a warm process, its pages as images."""

from __future__ import annotations

import io
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.diagnostics import BroadsheetError, Diagnostic
from broadsheet.limits import LimitExceeded

# Screen resolution: CSS pixels are 96 to the inch, PDF points 72.
SCREEN_SCALE = 96 / 72


@dataclass
class TextRun:
    """A run of text where the page shows it, as fractions of the page's width
    and height: the page's text layer, to find and select in the browser."""

    left: float
    top: float
    width: float
    height: float
    text: str


@dataclass
class PageImage:
    png: bytes
    width: int
    height: int
    text: list[TextRun] = field(default_factory=list)


@dataclass
class Choice:
    """An (installment, variant) the series offers, for the preview's links."""

    number: int
    slug: str
    variant: str


@dataclass
class Picture:
    """What one preview build made: the page and what the desk needs to judge it.
    ``pdf`` is empty when the build failed: the server keeps the last good one."""

    number: int | None = None
    variant: str | None = None
    name: str | None = None
    installment: Path | None = None
    choices: list[Choice] = field(default_factory=list)
    pdf: bytes = b""
    pages: list[PageImage] = field(default_factory=list)
    fit: dict[str, Any] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    # what the page is made of: a change to one of these files, or to anything
    # in one of these folders, makes it again; nothing else does
    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    worker: int = 0  # the process that built it

    @property
    def ok(self) -> bool:
        return bool(self.pdf)


def worker_started() -> None:
    """A build process's start: Ctrl-C in the terminal reaches the whole group,
    and stopping is the server's to do (it shuts this process down), not a
    traceback of each process's own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def warm() -> int:
    """Load the engine in this (worker) process: the first edit does not wait for it."""
    import pypdfium2  # noqa: F401

    import broadsheet.engine.typeset
    import broadsheet.pdf.printing  # noqa: F401

    return os.getpid()


def build_picture(
    path: Path, number: int | None, variant: str | None, known: Path | None = None
) -> Picture:
    """Plan PATH, pick the installment ``number`` (default: the last) in
    ``variant`` (default: the series' first), and typeset it as a draft: a page
    that does not fit is shown, overset marked, and placeholders are set in
    every variant (a preview is never a file for the press). ``known``: the
    installment the view showed before, whose load errors are the ones to show
    when it no longer loads."""
    from broadsheet import limits
    from broadsheet.jobs.plan import plan
    from broadsheet.jobs.runner import _diagnostics
    from broadsheet.pipeline import render_html, typeset_edition
    from broadsheet.project import find_project

    start = time.perf_counter()
    picture = Picture(number, variant)
    try:
        jobs, failures = plan(path, draft=True)
    except BroadsheetError as exc:
        picture.diagnostics = exc.diagnostics
        return _done(picture, start)
    picture.choices = [Choice(int(j.slug), j.slug, j.variant) for j in jobs]
    if number is None and failures:
        # "the last installment" is not known while one does not load: its
        # errors, not another installment's page
        picture.diagnostics = [d for f in failures for d in f.diagnostics]
        return _done(picture, start)  # made of nothing known: any edit builds it again
    job = _pick(jobs, number, variant)
    if job is None:
        picture.diagnostics = _not_found(path, jobs, failures, number, variant, known)
        return _done(picture, start)
    picture.number, picture.variant, picture.name = int(job.slug), job.variant, job.name
    picture.installment = job.installment
    built = None
    try:
        with limits.job_budget():
            built = render_html(job.installment, job.variant, draft=True, draft_print=True)
            typeset_edition(built)
    except (BroadsheetError, LimitExceeded, OSError, MemoryError, RecursionError) as exc:
        picture.diagnostics = [*(built.warnings if built else []), *_diagnostics(exc, job)]
    else:
        picture.diagnostics = [*built.notes, *built.warnings]
        picture.pdf = built.pdf
        with built.timings.stage("picture"):
            picture.pages = page_images(built.pdf)
    if built is not None:
        picture.stages = dict(built.timings.stages)
        picture.fit = built.fit.row() if built.fit is not None else None  # type: ignore[attr-defined]
        picture.files = [job.installment, built.edition.series_path, *built.images]
        picture.folders = list(built.layout.folders)
    else:
        # it stopped before its layout and pictures were known: any file of the
        # layouts, the series folder or the assets may be the one that mends it
        project = find_project(job.installment)
        picture.files = [job.installment, job.installment.parent / "series.yaml"]
        picture.folders = [
            f
            for f in (project.layouts_dir, job.installment.parent, project.assets_dir)
            if f.is_dir()
        ]
    return _done(picture, start)


def _done(picture: Picture, start: float) -> Picture:
    picture.seconds = time.perf_counter() - start
    picture.worker = os.getpid()
    return picture


def _pick(jobs: list, number: int | None, variant: str | None) -> Any:
    if not jobs:
        return None
    if number is None:
        number = max(int(j.slug) for j in jobs)
    mine = [j for j in jobs if int(j.slug) == number]
    if variant is None:
        return mine[0] if mine else None
    return next((j for j in mine if j.variant == variant), None)


def _not_found(
    path: Path,
    jobs: list,
    failures: list,
    number: int | None,
    variant: str | None,
    known: Path | None,
) -> list[Diagnostic]:
    """Why there is nothing to show: the installment no longer loads (its errors),
    or the series has no such installment or variant."""
    from broadsheet.diagnostics import display_path

    if failures:
        shown = str(display_path(known)) if known is not None else None
        own = [f for f in failures if f.name == shown]
        return [d for f in own or failures for d in f.diagnostics]
    numbers = sorted({int(j.slug) for j in jobs})
    if number is not None and number not in numbers:
        have = ", ".join(map(str, numbers)) or "none"
        return [Diagnostic(path, f"no installment {number} in this series (it has: {have})")]
    variants = sorted({j.variant for j in jobs if number is None or int(j.slug) == number})
    return [
        Diagnostic(path, f"no variant {variant} in this series (it has: {', '.join(variants)})")
    ]


def page_images(pdf: bytes, scale: float = SCREEN_SCALE) -> list[PageImage]:
    """Each page as a PNG at screen resolution, and its text where it stands."""
    import pypdfium2 as pdfium

    images = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil()
            buffer = io.BytesIO()
            # fast, not small: the image travels over the loopback once
            image.save(buffer, "PNG", compress_level=1)
            images.append(PageImage(buffer.getvalue(), *image.size, _text_runs(page)))
            bitmap.close()
            page.close()
    finally:
        document.close()
    return images


def _text_runs(page: Any) -> list[TextRun]:
    # what pdfium renders is the crop box: the text is placed in its frame
    left, bottom, right, top = page.get_cropbox()
    width, height = right - left, top - bottom
    runs = []
    text_page = page.get_textpage()
    try:
        for index in range(text_page.count_rects()):
            x0, y0, x1, y1 = text_page.get_rect(index)
            text = text_page.get_text_bounded(x0, y0, x1, y1).strip()
            if text:
                runs.append(
                    TextRun(
                        (x0 - left) / width,
                        (top - y1) / height,
                        (x1 - x0) / width,
                        (y1 - y0) / height,
                        text,
                    )
                )
    finally:
        text_page.close()
    return runs
