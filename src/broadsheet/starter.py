"""`broadsheet init`: a new series folder, its series.yaml explained and a first installment."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from broadsheet.content.loader import SERIES_FILE, series_installments
from broadsheet.content.placeholders import PLACEHOLDER
from broadsheet.content.series_files import new_installment
from broadsheet.diagnostics import ContentError, Diagnostic
from broadsheet.page.layouts import LAYOUT_FILE, Layout, load_layout

# Every key a desk sets once per series, each with what it does: the file is
# where an editor reads it, so the comments are the documentation at hand.
SERIES_TEMPLATE = """\
# The series: what every installment (01.md, 02.md, …) shares.
# Fill in every 待填写 mark, then run `broadsheet check` on this folder.

# id: folder-safe (a-z, 0-9, -), names the outputs: OUTDIR/<id>/<NN>/<variant>.pdf
id: {id}
# title: the series masthead, e.g. 2025，长治这一年
title: {p}系列标题
# label: the line under the masthead, with the installment's number in Chinese
# numerals: 系列报道 → ——系列报道之二——
label: 系列报道
# slogan: the banner across the top of the page; spaces separate its phrases
# (delete the line for a page without one)
slogan: {p}口号
# layout: a folder under layouts/ (templates and CSS)
layout: {layout}
# language: the language of the text (hyphenation, fonts, the PDF's metadata)
language: zh-CN
# variants: the editions built of every installment, each one the layout
# defines; {{}} takes the layout's settings for it, a key here overrides one
# (`broadsheet config` shows each effective setting and where it comes from)
variants:
{variants}"""


def known_layouts(layouts_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in layouts_dir.glob(f"*/{LAYOUT_FILE}"))


def series_id(folder: Path) -> str:
    """The folder's name as an id (lower case, runs of other characters as
    one ``-``); a name with nothing of that kind (中文) gives ``series``."""
    found = re.sub(r"[^a-z0-9]+", "-", folder.name.lower()).strip("-")
    return found or "series"


def _variant_lines(layout: Layout) -> str:
    """``  print: {}  # 对开, pdf/x-4``: what each of the layout's variants makes."""
    config = layout.config
    entries = []
    for name, settings in config.variants.items():
        page = settings.page_format or config.defaults.page_format
        said = [config.page_formats[page].label] if page in config.page_formats else []
        if pdf := settings.pdf_variant or config.defaults.pdf_variant:
            said.append(pdf)
        entries.append((f"  {name}: {{}}", ", ".join(said)))
    width = max(len(entry) for entry, _ in entries)
    return "".join(
        f"{entry:<{width}}  # {said}\n" if said else f"{entry}\n" for entry, said in entries
    )


def start_series(
    folder: Path, layout_name: str, layouts_dir: Path, date: dt.date
) -> tuple[Path, Path]:
    """Write FOLDER/series.yaml and its first installment; never overwrite anything."""
    series_file = folder / SERIES_FILE
    if series_file.exists():
        raise ContentError(
            Diagnostic(
                series_file,
                "a series is already here: `broadsheet new` starts its next installment",
            )
        )
    if folder.is_dir() and series_installments(folder):
        raise ContentError(
            Diagnostic(folder, "holds installment files (*.md) already: start the series elsewhere")
        )
    if layout_name not in (known := known_layouts(layouts_dir)):
        listed = ", ".join(known) or "none"
        message = f"no layout '{layout_name}' in {layouts_dir} (known: {listed})"
        raise ContentError(Diagnostic(None, message, field="--layout"))
    layout = load_layout(layouts_dir, layout_name, Diagnostic(None, "", field="--layout"))
    text = SERIES_TEMPLATE.format(
        p=PLACEHOLDER, id=series_id(folder), layout=layout.name, variants=_variant_lines(layout)
    )
    folder.mkdir(parents=True, exist_ok=True)
    with series_file.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return series_file, new_installment(folder, date)
