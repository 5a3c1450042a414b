"""The fit of a composed page, measured on the laid-out page, and what to tell the desk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from broadsheet.compose.measures import Measures
from broadsheet.compose.plan import PX_PER_MM, Item, Plan
from broadsheet.compose.rules import Composition
from broadsheet.diagnostics import Diagnostic
from broadsheet.text.marks import INVISIBLE

# A column may end up to one body line (with its leading) short: more is a hole.
HOLE_SLACK = 0.5  # px of rounding


@dataclass
class FitReport:
    """One page's fit: the table row `check` prints and the numbers of any fault."""

    mode: str
    arrangement: str
    candidates: int
    leading: float
    lines_set: int = 0
    lines_available: int = 0
    overset_lines: int = 0
    underset_lines: int = 0
    holes: list[tuple[int, float]] = field(default_factory=list)  # (column, lines)
    note_columns: tuple[int, int] | None = None
    figure_sizes: list[str] = field(default_factory=list)
    area_used: float = 0.0  # fraction of the flexible area covered
    chars_per_line: float = 0.0
    column_mm: float = 0.0
    balance: bool = False
    left_off: list[str] = field(default_factory=list)
    stray_text: str = ""  # text of a placed block the engine pushed off the sheet
    area_overflow_mm: float = 0.0  # the area below the page's foot

    @property
    def fits(self) -> bool:
        faults = (self.overset_lines or self.underset_lines or self.holes or self.left_off) or (
            self.stray_text or self.area_overflow_mm > 0.5
        )
        return not faults and self.note_ok

    @property
    def note_ok(self) -> bool:
        return self.note_columns is None or abs(self.note_columns[0] - self.note_columns[1]) <= 1

    def lost(self) -> list[str]:
        """The problems that leave text or blocks off the page."""
        return [p for p in self.problems() if p.startswith(("area:", "article: overset"))]

    def problems(self) -> list[str]:
        out = []
        if self.area_overflow_mm > 0.5:
            out.append(f"area: runs {self.area_overflow_mm:.1f} mm past the page's foot")
        if self.stray_text:
            out.append(f"area: a placed block ran off the page: “{self.stray_text[:30]}…”")
        if self.left_off:
            out.append(
                f"area: {', '.join(self.left_off)} do not fit on the grid together at any "
                "size the layout allows (cut text or a block, or allow smaller sizes)"
            )
        if self.overset_lines:
            chars = round(self.overset_lines * self.chars_per_line, -1)
            out.append(
                f"article: overset by {self.overset_lines} lines (≈ {chars:.0f} characters to cut)"
            )
        elif self.underset_lines:
            chars = round(self.underset_lines * self.chars_per_line, -1)
            taller = self.underset_lines * self.column_mm / 2
            out.append(
                f"article: underset by {self.underset_lines} lines (≈ {chars:.0f} characters "
                f"to add, or a picture {taller:.0f} mm taller over 2 columns)"
            )
        for column, lines in self.holes:
            where = "page" if self.mode == "flow" else "column"
            out.append(f"article: {where} {column} ends {lines:.1f} lines short of its foot")
        if not self.note_ok and self.note_columns:
            left, right = self.note_columns
            out.append(f"editors_note: columns hold {left} and {right} lines, not balanced")
        return out

    def row(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "area used": f"{self.area_used:.0%}",
            "lines": f"{self.lines_set}/{self.lines_available}",
            "arrangement": self.arrangement,
            "figures": ", ".join(self.figure_sizes) or "—",
            "leading": f"{self.leading:.2f}",
            "candidates": self.candidates,
            "fit": "ok" if self.fits else "; ".join(self.problems()),
        }


def plain_text(value: Any) -> str:
    text = Markup(value).striptags() if value is not None else ""
    return "".join(c for c in text if c not in INVISIBLE and not c.isspace())


def sheet_report(
    plan: Plan, fill: Any, measures: Measures, rules: Composition, note: tuple[int, int] | None
) -> FitReport:
    """From what the engine set in each column (``engine.columns.ColumnFill``)."""
    line = fill.line_height or plan.line_height
    report = _base(plan, measures, rules, note)
    last = max((i for i, u in enumerate(fill.used) if u > 0), default=-1)
    report.lines_set = sum(fill.lines)
    report.stray_text = fill.stray_text
    report.area_overflow_mm = fill.area_overflow / PX_PER_MM
    report.lines_available = sum(int(d // line) for d in fill.depths) if line else 0
    report.overset_lines = fill.overset_lines
    short = [d - u for d, u in zip(fill.depths, fill.used, strict=True)]
    if not fill.overset_lines and line:
        if rules.fill == "balance":
            # every column with text ends within a line of its foot (the area
            # itself is as deep as the text needs)
            under = max(short[: last + 1]) if last >= 0 else 0.0
        else:
            under = short[last] + sum(fill.depths[last + 1 :]) if last >= 0 else sum(fill.depths)
        report.underset_lines = int(under // line)
    ends = range(last) if rules.fill == "flush" else ()
    report.holes = [(i + 1, short[i] / line) for i in ends if line and short[i] > line + HOLE_SLACK]
    area = measures.area_width * plan.area_height
    text = sum(min(u, d) for u, d in zip(fill.used, fill.depths, strict=True))
    text *= plan.columns[0].width if plan.columns else 0
    blocks = sum(p.box.width * p.box.height for p in plan.placed if p.kind != "slot")
    report.area_used = min(1.0, (text + blocks) / area) if area else 0.0
    return report


def flow_report(
    plan: Plan,
    pages: list[tuple[float, float, int]],
    measures: Measures,
    rules: Composition,
    note: tuple[int, int] | None,
    max_pages: int = 0,
) -> FitReport:
    """``pages``: (depth, used, lines) of the article on each page it runs over;
    lines past ``max_pages`` (0: no limit) are overset."""
    report = _base(plan, measures, rules, note)
    line = plan.line_height
    if max_pages and len(pages) > max_pages:
        report.overset_lines = sum(lines for _, _, lines in pages[max_pages:])
        pages = pages[:max_pages]
    pages = [(d, u) for d, u, _ in pages]
    report.holes = [
        (i + 1, (d - u) / line)
        for i, (d, u) in enumerate(pages[:-1])
        if line and d - u > line + HOLE_SLACK
    ]
    report.lines_set = sum(int(u // line) for _, u in pages) if line else 0
    report.lines_available = sum(int(d // line) for d, _ in pages) if line else 0
    report.area_used = sum(u for _, u in pages) / max(1.0, sum(d for d, _ in pages))
    return report


def _base(plan: Plan, measures: Measures, rules: Composition, note) -> FitReport:
    report = FitReport(plan.mode, plan.arrangement, plan.candidates, plan.leading)
    report.note_columns = note
    report.left_off = list(plan.left_off)
    report.balance = rules.fill == "balance"
    column = plan.columns[0].width if plan.columns else measures.area_width
    font_size = plan.line_height / plan.leading if plan.leading else 16
    report.chars_per_line = column / font_size if font_size else 0
    report.column_mm = plan.line_height / PX_PER_MM
    report.figure_sizes = [
        f"{p.name} {p.span}col {p.box.width / PX_PER_MM:.0f}×{p.image_height / PX_PER_MM:.0f}mm"
        for p in plan.placed
        if p.kind == "figure"
    ]
    return report


def fit_diagnostics(
    report: FitReport, path: Path, is_print: bool, subject: str
) -> list[Diagnostic]:
    """Errors for a page that goes to press; for reading copies a page that is
    short or has holes is a warning, but one that would lose text or a block is
    an error for every variant."""
    lost = report.lost()
    return [
        Diagnostic(
            path,
            problem,
            level="error" if is_print or problem in lost else "warning",
            subject=subject,
        )
        for problem in report.problems()
    ]


def items_of(
    context: dict[str, Any],
    sizes: dict[str, tuple[int, int]],
    rules: Composition,
    min_ppi: int = 0,
) -> list[Item]:
    """The composer's items from the page's prepared texts; with ``min_ppi`` (print)
    no picture is drawn larger than its pixels allow at that resolution."""
    blocks = context["blocks"]
    texts = [plain_text(b.html if b.kind == "paragraph" else " ".join(b.lines)) for b in blocks]
    items: list[Item] = []
    for index, figure in enumerate(context["figures"]):
        width, height = sizes.get(figure.image, (3, 2))
        # the span asked for is a wish: other spans the layout allows cost a little
        wish = figure.span if figure.span and figure.span <= rules.columns else None
        spans = tuple(sorted({*rules.figure_spans, *([wish] if wish else [])}))
        anchor = None if figure.anchor is None else max(0, figure.anchor - 1)
        known = figure.image in sizes
        limit = 96 * width / min_ppi if (min_ppi and known) else 0.0
        items.append(
            Item(
                "figure",
                index,
                spans,
                height / width,
                figure.importance,
                anchor,
                wish=wish,
                max_width=limit,
            )
        )
    items.sort(key=lambda i: i.importance)
    for index, quote in enumerate(context["pull_quotes"]):
        said = plain_text(quote)
        source = next((n for n, t in enumerate(texts) if said and said[:12] in t), None)
        items.append(Item("quote", index, tuple(rules.quote_spans), source=source))
    for index, _ in enumerate(context["boxes"]):
        items.append(Item("box", index, tuple(rules.box_spans)))
    return items
