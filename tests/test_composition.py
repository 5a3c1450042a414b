"""Page composition, measured on the PDFs of a series of very different installments.

The fixture series (tests/fixtures/composed-series, seven installments from 40 %
to 150 % of the sample's text, 0 to 3 photos, 0 to 2 quotes, with and without a
box) is built in print, tabloid and a4. Each page either meets the fit rules,
read from the PDF (columns end within a line of their foot, the note's columns
balanced, no holes, every sentence there once), or fails with its numbers.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from pdfread import columns, main_size, squash

from broadsheet.cli import main
from broadsheet.jobs.plan import plan
from broadsheet.jobs.runner import run_jobs
from broadsheet.page.render import plain
from broadsheet.pipeline import render_html

FIXTURE = Path(__file__).parent / "fixtures" / "composed-series"
VARIANTS = ("print", "tabloid", "a4")
MM = 72 / 25.4
# From layouts/newspaper: page margins (bottom), the gap between a placed block
# and the text, and the advertisement's top margin, in mm.
BOTTOM_MARGIN = {"print": 20, "tabloid": 14, "a4": 22}
PLACED_GAP = {"print": 5, "tabloid": 4}
AD_MARGIN = {"print": 6, "tabloid": 4}
# The grid of layout.yaml: left margin, area width, columns, gutter (mm).
GRID = {"print": (20, 350, 5, 7), "tabloid": (14, 245, 4, 5)}


def grid_columns(variant: str) -> list[tuple[float, float]]:
    left, width, count, gutter = GRID[variant]
    column = (width - (count - 1) * gutter) / count
    return [
        ((left + k * (column + gutter)) * MM, (left + k * (column + gutter) + column) * MM)
        for k in range(count)
    ]


FIT_MESSAGE = re.compile(
    r"article: (underset by \d+ lines \(≈ \d+ characters to add|"
    r"overset by \d+ lines \(≈ \d+ characters to cut)"
)


def make_series(project: Path) -> Path:
    series = project / "content" / "luzhou"
    shutil.copytree(FIXTURE, series, ignore=shutil.ignore_patterns("photos", "__pycache__"))
    sys.path.insert(0, str(FIXTURE))
    try:
        from make_photos import make_photos
    finally:
        sys.path.remove(str(FIXTURE))
    make_photos(series)
    return series


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory):
    """Every installment × variant built once (two processes); results by name."""
    from conftest import make_project

    project = make_project(tmp_path_factory.mktemp("composed") / "project")
    series = make_series(project)
    out = project / "output"
    jobs, failures = plan(series, None, list(VARIANTS))
    assert not failures
    results = {r.name: r for r in run_jobs(jobs, out, workers=2)}
    return series, out, results


def outputs(composed, variant: str):
    series, out, results = composed
    for path in sorted(series.glob("0*.md")):
        name = f"luzhou-2026/{path.stem}/{variant}"
        yield path, results[name], out / "luzhou-2026" / path.stem / f"{variant}.pdf"


def test_every_page_fits_or_says_by_how_much(composed) -> None:
    seen = Counter()
    for variant in VARIANTS:
        for path, result, pdf in outputs(composed, variant):
            if result.status == "failed":
                assert variant != "a4", (path.name, [str(d) for d in result.diagnostics])
                messages = [d.message for d in result.errors]
                assert any(FIT_MESSAGE.search(m) for m in messages), messages
                assert not pdf.exists()  # nothing half-made is written
                seen["failed"] += 1
            elif variant == "a4":
                # a reading copy that does not fit says so, as a warning
                fit = result.fit["fit"]
                warned = [d.message for d in result.warnings]
                assert fit == "ok" or all(p in " ".join(warned) for p in fit.split("; ")), fit
                seen["a4"] += 1
            else:
                assert result.fit and result.fit["fit"] == "ok", (path.name, variant, result.fit)
                seen["ok"] += 1
    # most shapes compose; the extremes (40 % text, 150 % with a box and
    # two photos, 130 % with no picture and no advertisement) say why not
    assert seen["ok"] >= 9, seen
    assert seen["failed"] >= 2, seen


def test_check_prints_a_fit_table_and_fit_is_an_error_only_for_print(tmp_path: Path) -> None:
    from conftest import make_project

    series = make_series(make_project(tmp_path / "project"))
    # 06: 130 % of the sample's text, no picture and no advertisement
    args = ["check", str(series), "--installment", "2,6", "--variant", "print,a4"]
    result = CliRunner().invoke(main, args)
    out = result.output.replace("\n", "")
    assert result.exit_code == 1
    assert re.search(r"error: .*06\.md: article: underset by \d+ lines", out)
    assert "arrangement" in out and "lines" in out and "used" in out  # the fit table
    report = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    fits = {r["output"]: r["fit"] for r in report["results"]}
    printed = fits["luzhou-2026/02/print"]
    assert printed["fit"] == "ok" and re.fullmatch(r"\d+/\d+", printed["lines"])
    assert all(f"figure-{n}" in printed["arrangement"] for n in (1, 2, 3))
    assert re.search(r"figure-1 \dcol \d+×\d+mm", printed["figures"])
    a4 = [d for d in report["diagnostics"] if d.get("subject") == "luzhou-2026/06/a4"]
    assert all(d["level"] != "error" for d in a4), a4


def _foot_obstacle(pdf: Path, page, left: float, right: float, below: float, size: float):
    """The top of the first drawn thing under ``below`` across a column, and what."""
    found = []
    for rect in [*page.rects, *page.curves]:
        if rect["width"] > 3 and min(rect["x1"], right) - max(rect["x0"], left) > 5:
            found.append((rect["top"], "block"))
    for image in page.images:
        if min(image["x1"], right) - max(image["x0"], left) > 5:
            top = image["top"]
            if top < below < image["bottom"]:
                # cropped to its frame by a clip path: find where it shows
                top = _visible_top(pdf, left, right, below, size) or top
            found.append((top, "block"))
    for line in page.lines:
        horizontal = abs(line["top"] - line["bottom"]) < 1
        if horizontal and min(line["x1"], right) - max(line["x0"], left) > 5:
            found.append((line["top"], "block"))
    below_it = sorted((top, kind) for top, kind in found if top > below - 0.5)
    return below_it[0] if below_it else None


def _visible_top(pdf: Path, left: float, right: float, below: float, size: float):
    """The first row under a column's last line where the rendered page is not
    blank: what the eye sees of a picture whose image box is clipped."""
    image = _rendered(pdf)
    start = int(below + 0.3 * size) + 1  # past the last line's descenders
    x0, x1 = int(left) + 2, int(right) - 2
    for y in range(start, image.height):
        row = [image.getpixel((x, y)) for x in range(x0, x1, 2)]
        if sum(v < 245 for v in row) > 0.3 * len(row):
            return float(y)
    return None


@functools.lru_cache(maxsize=4)
def _rendered(pdf: Path):
    """Page 1 in grey at one pixel a point (pdfplumber's coordinates)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()


@pytest.mark.parametrize("variant", ["print", "tabloid"])
def test_columns_end_within_a_line_of_their_foot(composed, variant: str) -> None:
    checked = 0
    for path, result, pdf in outputs(composed, variant):
        if result.status == "failed":
            continue
        with pdfplumber.open(pdf) as doc:
            page = doc.pages[0]
            chars = page.chars
            size = main_size(chars, "Noto-Serif-CJK-SC")
            body = [
                c
                for c in chars
                if c["fontname"].endswith("Noto-Serif-CJK-SC") and abs(c["size"] - size) < 0.05
            ]
            steps = Counter()
            for left, right in grid_columns(variant):
                tops = sorted({round(c["top"], 1) for c in body if left <= c["x0"] <= right})
                steps.update(round(b - a, 1) for a, b in itertools.pairwise(tops))
            pitch = steps.most_common(1)[0][0]  # the body's line pitch
            # pdfplumber measures from the top of the bleed box
            trim_bottom = page.height - BOTTOM_MARGIN[variant] * MM
            for left, right in grid_columns(variant):
                inside = [c for c in body if left - 1 <= (c["x0"] + c["x1"]) / 2 <= right + 1]
                if not inside:
                    continue  # a column under a block the composer placed
                # the last baseline: glyph boxes (pdfplumber's "bottom") are the
                # font's, taller than its em box and its line box
                bottom = max(c["bottom"] - (c["matrix"][5] - c["y0"]) for c in inside)
                obstacle = _foot_obstacle(pdf, page, left, right, bottom, size)
                # under a placed block or the advertisement's frame, or the page foot
                foot, gaps = (
                    (obstacle[0], (PLACED_GAP[variant] * MM, AD_MARGIN[variant] * MM))
                    if obstacle and obstacle[0] < trim_bottom
                    else (trim_bottom, (0.0,))
                )
                slack = foot - bottom
                # below the last baseline: the descent and half the leading
                assert any(-1 < slack - g < pitch + 0.6 * size + 1 for g in gaps), (
                    path.name,
                    variant,
                    round(slack / MM, 1),
                    "".join(c["text"] for c in inside)[-20:],
                )
                checked += 1
    assert checked >= 8


@pytest.mark.parametrize("variant", ["print", "tabloid"])
def test_note_columns_balanced(composed, variant: str) -> None:
    checked = 0
    for path, result, pdf in outputs(composed, variant):
        if result.status == "failed" or "editors_note" not in path.read_text(encoding="utf-8"):
            continue
        with pdfplumber.open(pdf) as doc:
            chars = doc.pages[0].chars
        # the headline's foot (the advertisement's words are large too, lower down)
        headline = max(c["bottom"] for c in chars if c["size"] > 40 and c["top"] < 700)
        # the note: Kai below the headline, larger than the captions' Kai
        kai = [
            c
            for c in chars
            if ("LXGW-WenKai" in c["fontname"] or "Broadsheet-Marks" in c["fontname"])
            and "Bold" not in c["fontname"]
            and c["top"] > headline
        ]
        size = Counter(round(c["size"], 1) for c in kai).most_common(1)[0][0]
        note = [c for c in kai if abs(c["size"] - size) < 0.1]
        halves = columns(note, gap=5 * MM)
        assert len(halves) == 2, (path.name, variant)
        counts = [len({round(c["top"]) for c in half.chars}) for half in halves]
        assert abs(counts[0] - counts[1]) <= 1, (path.name, variant, counts)
        checked += 1
    assert checked >= 2


def _source_texts(path: Path, variant: str) -> list[str]:
    """Every text the installment gives the page, as plain text."""
    context = render_html(path, variant).context
    texts = [plain(b.html) for b in context["blocks"] if b.kind == "paragraph"]
    texts += [plain(line) for b in context["blocks"] for line in b.lines]
    texts += [plain(q) for q in context["pull_quotes"]]
    for figure in context["figures"]:
        texts += [plain(t) for t in (figure.caption, figure.credit) if t]
    for box in context["boxes"]:
        texts += [plain(box.title), *(plain(b.html) for b in box.blocks if b.html)]
    for name in ("byline", "standfirst", "headline", "subhead"):
        if context[name]:
            texts.append(plain(context[name]))
    texts += [plain(p) for p in context["editors_note"]]
    return [squash(t) for t in texts if squash(t)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_nothing_lost_every_sentence_caption_credit_and_quote_once(composed, variant) -> None:
    checked = 0
    for path, result, pdf in outputs(composed, variant):
        if result.status == "failed":
            continue
        margin = BOTTOM_MARGIN[variant] * MM if variant == "a4" else 0
        with pdfplumber.open(pdf) as doc:
            # content-stream order: each block and column is drawn in reading
            # order (a4: without the running header and page numbers)
            text = squash(
                "".join(
                    c["text"]
                    for p in doc.pages
                    for c in p.chars
                    if margin <= c["top"] and c["bottom"] <= p.height - margin
                )
            )
        sources = _source_texts(path, variant)
        joined = "\n".join(sources)
        for source in sources:
            for sentence in re.findall(r"[^。！？]+[。！？]?", source):
                sentence = re.sub(r"<[^>]+>", "", sentence)
                if len(sentence) < 4:
                    continue
                expected = joined.count(sentence)
                assert text.count(sentence) == expected, (path.name, variant, sentence)
                checked += 1
    assert checked > 60


def test_captions_and_credits_are_text_under_their_picture(composed) -> None:
    for path, result, pdf in outputs(composed, "print"):
        if result.status == "failed" or "figures:" not in path.read_text(encoding="utf-8"):
            continue
        context = render_html(path, "print").context
        with pdfplumber.open(pdf) as doc:
            page = doc.pages[0]
            images = page.images
            for figure in context["figures"]:
                caption = squash(plain(figure.caption))[:6]
                lines: dict[float, list[dict]] = {}
                for c in page.chars:
                    lines.setdefault(round(c["top"]), []).append(c)
                rows = {
                    top: squash("".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])))
                    for top, row in lines.items()
                }
                tops = [top for top, text in rows.items() if caption in text]
                assert tops, (path.name, caption)
                # under a picture: one starts above the caption, in its column,
                # and ends at most 5 mm above it (a picture cropped to its box
                # reports its whole, uncropped height, so it may end below)
                under = [
                    (t, im)
                    for t in tops
                    for im in images
                    if im["top"] < t < im["bottom"] + 5 * MM
                    and im["x0"] - 2 <= _start_x(lines[t], caption) <= im["x1"]
                ]
                assert under, (path.name, caption, tops)


def _start_x(row: list[dict], text: str) -> float:
    """Where ``text`` starts in a row of the page (other columns' lines may
    share the row's height)."""
    chars = [c for c in sorted(row, key=lambda c: c["x0"]) if not c["text"].isspace()]
    joined = "".join(c["text"] for c in chars)
    return chars[joined.index(text)]["x0"]


def test_a4_holes_are_never_silent(composed) -> None:
    """Every page (but the last) of the reading copy ends within a line of its
    foot, or the build's warning names that page and by how much."""
    checked = 0
    for path, result, pdf in outputs(composed, "a4"):
        assert result.status != "failed", (path.name, [str(d) for d in result.diagnostics])
        warned = " ".join(d.message for d in result.warnings)
        with pdfplumber.open(pdf) as doc:
            for page in doc.pages[:-1]:
                size = main_size(page.chars, "Noto-Serif-CJK-SC")
                foot = page.height - BOTTOM_MARGIN["a4"] * MM
                content = [c["bottom"] for c in page.chars if c["bottom"] < foot]
                content += [im["bottom"] for im in page.images]
                # a quote's or box's tinted background reaches below its text
                content += [r["bottom"] for r in page.rects if r["bottom"] < foot]
                hole = foot - max(content)
                pitch = size * 1.7
                if hole > pitch + 0.5 * size + 1:
                    assert f"page {page.page_number} ends" in warned, (path.name, page.page_number)
                else:
                    assert f"page {page.page_number} ends" not in warned, (path.name, warned)
                checked += 1
    assert checked >= 7


def test_draft_writes_an_overset_page_marked_and_keeps_the_text(tmp_path: Path) -> None:
    from conftest import make_project

    series = make_series(make_project(tmp_path / "project"))
    out = tmp_path / "out"
    args = ["build", str(series / "07.md"), "--variant", "print", "-o", str(out)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1 and "overset by" in refused.output
    assert not (out / "luzhou-2026" / "07" / "print.pdf").exists()
    drafted = CliRunner().invoke(main, [*args, "--draft"])
    assert drafted.exit_code == 0, drafted.output
    assert "draft: article: overset by" in drafted.output.replace("\n", "")
    with pdfplumber.open(out / "luzhou-2026" / "07" / "print.pdf") as doc:
        rest = "".join(p.extract_text() for p in doc.pages[1:])
        label = "".join(
            c["text"]
            for c in sorted(doc.pages[0].chars, key=lambda c: c["x0"])
            if "Sans-CJK-SC-Bold" in c["fontname"] and abs(c["size"] - 11) < 0.1
        )
    # the label, in its own bold face (it may share a height with body lines)
    number = re.search(r"超版\s*(\d+)\s*行", label)
    assert number and int(number[1]) > 0
    # and the PDF says it is a draft, as a draft with placeholders does
    with pikepdf.open(out / "luzhou-2026" / "07" / "print.pdf") as doc:
        assert str(doc.docinfo["/Title"]).startswith("【草稿】")
    # the overset text follows the sheet, so the desk can see what to cut
    body = (series / "07.md").read_text(encoding="utf-8").split("---", 2)[2]
    last = squash(body.strip().splitlines()[-1])[-12:]
    assert last in squash(rest)
    # a draft is never taken for the real page: the next plain build runs again
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1


def test_new_content_keys_are_validated_with_file_line_and_field(tmp_path: Path) -> None:
    from conftest import make_project

    series = make_series(make_project(tmp_path / "project"))
    path = series / "03.md"
    text = path.read_text(encoding="utf-8")
    bad = text.replace("    span: 2\n", "    span: 9\n    size: big\n", 1)
    bad = bad.replace("byline:", "pull_quote: 一句\npull_quotes: [两句]\nbyline:", 1)
    path.write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--variant", "print"])
    out = result.output.replace("\n", " ")
    assert result.exit_code == 1
    lines = bad.splitlines()
    span_line = next(n for n, line in enumerate(lines, 1) if "span: 9" in line)
    size_line = span_line + 1
    assert f"03.md:{span_line}: figures.0.span" in out
    assert f"03.md:{size_line}: figures.0.size: unknown field" in out
    # the two names of the quotes' list, once the rest is right
    path.write_text(bad.replace("    span: 9\n    size: big\n", "    span: 2\n"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--variant", "print"])
    assert result.exit_code == 1
    quote_line = next(
        n for n, line in enumerate(bad.splitlines(), 1) if line.startswith("pull_quote:")
    )
    flat = result.output.replace("\n", "")
    assert f"03.md:{quote_line}: pull_quote:" in flat and "keep pull_quotes only" in flat


def test_a_lone_image_in_the_body_is_a_figure_with_caption_and_credit(tmp_path: Path) -> None:
    from conftest import make_project

    series = make_series(make_project(tmp_path / "project"))
    path = series / "04.md"
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    first, rest = body.split("\n\n", 1)
    figure = '![图为新建的潞州东站。](photos/village.jpg "本报记者 周晓燕 摄")'
    path.write_text(f"{head}\n---\n{first}\n\n{figure}\n\n{rest}", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(path), "--variant", "a4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with pdfplumber.open(out / "luzhou-2026" / "04" / "a4.pdf") as pdf:
        text = squash("".join(p.extract_text() for p in pdf.pages))
        assert len(pdf.pages[0].images) + len(pdf.pages[1].images) == 1
    assert "图为新建的潞州东站。" in text and "本报记者周晓燕摄" in text
    # placed after the paragraph it followed, as the writer put it
    assert text.index(squash(first)[-8:]) < text.index("图为新建的潞州东站")
