"""Choose where every block of the flexible area goes, and the fit knobs, by a stated score.

Candidates are arrangements: each figure, quote and box at a span of the grid,
a first column and a side (top or foot of the area). For each, the fit knobs
(the article's leading, the pictures' scale) are searched with the threading
model of ``compose.thread``, never with the engine; the best-scoring plan is
then laid out once.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field, replace

from broadsheet.compose.measures import Measures, Unit
from broadsheet.compose.rules import Composition, mm
from broadsheet.compose.thread import Threaded, thread

PX_PER_MM = 96 / 25.4
# The score: lower is better. Each weight is per line (or per column, per item).
WEIGHTS = {
    "overset_line": 1000.0,
    "underset_line": 60.0,
    "hole": 200.0,  # a column other than the last ending a line or more short
    "heading_foot": 40.0,  # a section heading with few lines under it at a column foot
    "start_buried": 40.0,  # a block on top of the first column: the article starts lower
    "quote_on_top": 12.0,  # a quote across column tops cuts the reading path
    "scale": 20.0,  # per unit of picture scale away from 1
    "leading": 300.0,  # per unit of relative leading change
    "type_scale": 150.0,  # per unit of type size change
    "note_scale": 30.0,  # per unit of the note's type size change
    "headline_scale": 20.0,  # per unit the headline is set smaller
    "figure_distance": 4.0,  # per column between a picture and its paragraph
    "quote_beside_source": 15.0,
    "lead_not_on_top": 10.0,
    "lead_narrow": 6.0,
    "span_wish": 8.0,  # per column a picture is set wider or narrower than asked
    "quote_size": 8.0,  # per unit of quote type size over the stylesheet's
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Item:
    """A block the composer places: a figure, a quote or a box."""

    kind: str  # "figure", "quote", "box"
    index: int
    spans: tuple[int, ...]
    aspect: float = 0.0  # a picture's height ÷ width
    importance: int = 2
    anchor: int | None = None  # article block it belongs near
    source: int | None = None  # article block a quote repeats
    wish: int | None = None  # the span the content asked for
    # widest a picture may be drawn (px) and keep the print resolution (0: any)
    max_width: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.index + 1}"


@dataclass(frozen=True)
class Placed:
    kind: str
    index: int
    name: str
    box: Rect
    span: int = 1
    start: int = 0
    side: str = "top"
    image_height: float = 0.0
    scale: float = 1.0
    size: float = 1.0  # a quote's type size, × the stylesheet's


class NoRoomError(ValueError):
    """The page leaves the article no room at all: nothing can be composed."""


@dataclass
class Plan:
    """The composer's decision for one page: read by the templates and the fit report."""

    mode: str
    leading: float
    line_height: float  # px, at that leading
    type_scale: float = 1.0
    note_scale: float = 1.0
    headline_scale: float = 1.0
    area_height: float = 0.0
    note_height: float = 0.0
    columns: list[Rect] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)
    after: dict[int, list[Placed]] = field(default_factory=dict)  # flow: after block n
    predicted: Threaded | None = None
    score: float = 0.0
    candidates: int = 0
    arrangement: str = ""
    left_off: list[str] = field(default_factory=list)  # blocks no arrangement could place


def note_height(measures: Measures, columns: int, scale: float = 1.0) -> tuple[float, float]:
    """The note's column height (balanced: the first columns take one line more
    where the lines do not divide) and its whole box with margin; (0, 0)
    without a note."""
    lines, chrome = measures.notes.get(scale, (measures.note_lines, measures.note_chrome))
    if not lines:
        return 0.0, 0.0
    first = sum(lines[: -(-len(lines) // columns)])
    height = first + 0.05
    return height, height + chrome


def compose(measures: Measures, rules: Composition, items: list[Item]) -> Plan:
    """The best plan over the headline's acceptable sizes (largest first): a
    smaller headline gives the area more depth, which a short text may not fill."""
    items = _resolution_spans(items, rules, measures.area_width)
    best: Plan | None = None
    for scale, gained in headline_sizes(measures):
        # the area starts where the headline at that size ends
        moved = replace(measures, area_top=measures.area_top - gained)
        plan = (_compose_flow if rules.mode == "flow" else _compose_sheet)(moved, rules, items)
        plan.headline_scale = scale
        plan.score += (1 - scale) * WEIGHTS["headline_scale"]
        if best is None or plan.score < best.score:
            best = plan
        if rules.mode == "flow" or _fills(best) or _overset(best):
            break
    assert best is not None
    return best


def headline_sizes(measures: Measures) -> list[tuple[float, float]]:
    """The headline's sizes a desk accepts, largest first, each with the depth it
    saves over the stylesheet's size: on one line, or on lines whose last holds
    three characters or more (never one or two alone)."""
    sizes = measures.headlines
    if not sizes or 1.0 not in sizes:
        return [(1.0, 0.0)]
    good = [
        s
        for s in sorted(sizes, reverse=True)
        if len(sizes[s][1]) <= 1 or (sizes[s][1] and sizes[s][1][-1] >= 3)
    ]
    return [(s, sizes[1.0][0] - sizes[s][0]) for s in good or [1.0]]


# -- sheet: one page, columns around placed blocks -----------------------------


def _grid(rules: Composition, area_width: float) -> tuple[float, float, float]:
    """Column width, column pitch and the block gap in px."""
    return _grid_of(rules.columns, rules.gutter, rules.gap, area_width)


@functools.lru_cache(maxsize=64)
def _grid_of(columns: int, gutter: str, gap: str, area_width: float):
    column = (area_width / PX_PER_MM - (columns - 1) * mm(gutter)) / columns * PX_PER_MM
    return column, column + mm(gutter) * PX_PER_MM, mm(gap) * PX_PER_MM


def _item_height(
    measures: Measures, rules: Composition, item: Item, span: int, scale: float, size: float = 1.0
):
    column, pitch, _ = _grid(rules, measures.area_width)
    width = span * column + (span - 1) * (pitch - column)
    if item.kind == "figure":
        image = width * item.aspect * scale
        return image + measures.figure_captions.get((item.index, span), 0.0), image
    if item.kind == "quote":
        return measures.quotes.get((item.index, span, size), 0.0), 0.0
    return measures.boxes.get((item.index, span), 0.0), 0.0


def _resolution_spans(items: list[Item], rules: Composition, area_width: float) -> list[Item]:
    """Each picture's spans narrowed to those that keep its print resolution; a
    picture too small for any span of the layout takes one column, not enlarged
    (the build warns of its resolution), rather than being left off."""
    column, pitch, _ = _grid(rules, area_width)

    def width(span: int) -> float:
        return span * pitch - (pitch - column)

    out = []
    for item in items:
        if item.kind == "figure" and item.max_width:
            fitting = tuple(s for s in item.spans if width(s) <= item.max_width)
            narrower = tuple(s for s in range(1, min(item.spans)) if width(s) <= item.max_width)
            if fitting or narrower:
                item = replace(item, spans=fitting or (max(narrower),))
            else:
                item = replace(item, spans=(1,), max_width=width(1))
        out.append(item)
    return out


def _options(item: Item, rules: Composition, area_width: float) -> list[tuple]:
    sides = ("top", "foot") if item.kind == "figure" else ("foot", "top")
    sizes = rules.quote_scales if item.kind == "quote" else [1.0]
    return [
        (span, start, side, size)
        for size in sizes
        for side in sides
        for span in sorted(item.spans, reverse=True)
        for start in range(rules.columns - span + 1)
        # display type wants width: a quote over 1.2× its size takes 3 columns or more
        if size <= 1.2 or span >= 3
    ]


def _search(
    items: list[Item], rules: Composition, evaluate, valid, budget: int, area_width: float
) -> tuple[object, int]:
    """The best arrangement by ``evaluate`` (a trial or None): every one when
    they are few, else a hill climb from the first choice of each item, one
    item's place changed at a time, within ``max_candidates`` evaluations. The
    same content always gives the same page."""
    options = [_options(item, rules, area_width) for item in items]
    total = 1
    for choices in options:
        total *= len(choices)
    best, tried = None, 0
    if total <= budget:
        for arrangement in itertools.product(*options):
            trial = evaluate(arrangement)
            tried += 1
            if trial is not None and (best is None or trial.score < best.score):
                best = trial
        return best, tried
    # start from the first arrangement, in choice order, that leaves a whole grid
    current = _first_valid(options, valid) or tuple(choices[0] for choices in options)
    best = evaluate(current)
    tried = 1
    improved = True
    while improved and tried < budget:
        improved = False
        for index, choices in enumerate(options):
            for choice in choices:
                if choice == current[index] or tried >= budget:
                    continue
                arrangement = (*current[:index], choice, *current[index + 1 :])
                trial = evaluate(arrangement)
                tried += 1
                if trial is not None and (best is None or trial.score < best.score - 1e-9):
                    best, current, improved = trial, arrangement, True
    return best, tried


def _first_valid(options: list[list], valid, limit: int = 5000) -> tuple | None:
    """Depth first, each item's choices in order; None when nothing fits."""
    steps = 0

    def extend(partial: tuple) -> tuple | None:
        nonlocal steps
        if len(partial) == len(options):
            return partial
        for choice in options[len(partial)]:
            steps += 1
            if steps > limit:
                return None
            candidate = (*partial, choice)
            if valid(candidate):
                found = extend(candidate)
                if found is not None:
                    return found
        return None

    return extend(())


def _geometry(measures, rules, items, arrangement, area_height, scale):
    """Placed blocks and the text columns left, or None when the arrangement leaves
    a hole or a column too shallow."""
    columns = rules.columns
    column_width, pitch, gap = _grid(rules, measures.area_width)
    tops, feet = [0.0] * columns, [area_height] * columns
    placed = []
    for item, (span, start, side, size) in zip(items, arrangement, strict=True):
        height, image = _item_height(measures, rules, item, span, scale, size)
        covered = range(start, start + span)
        if item.max_width and span * pitch - (pitch - column_width) > item.max_width / max(
            1.0, scale
        ):
            return None  # enlarged past the resolution print needs
        edge = {tops[c] for c in covered} if side == "top" else {feet[c] for c in covered}
        if max(edge) - min(edge) > 0.5:
            return None  # a block hung below a narrower one leaves a hole beside it
        width = span * column_width + (span - 1) * (pitch - column_width)
        if side == "top":
            y = tops[start]
            for c in covered:
                tops[c] = y + height + gap
        else:
            y = feet[start] - height
            for c in covered:
                feet[c] = y - gap
        box = Rect(start * pitch, y, width, height)
        placed.append(
            Placed(item.kind, item.index, item.name, box, span, start, side, image, scale, size)
        )
    minimum = mm(rules.min_column_depth) * PX_PER_MM
    slots = [Rect(c * pitch, tops[c], column_width, feet[c] - tops[c]) for c in range(columns)]
    if any(slot.height < minimum for slot in slots):
        return None
    return placed, slots


@dataclass
class _Trial:
    score: float
    plan: Plan
    arrangement: tuple = ()


def _score(
    threaded: Threaded,
    slots: list[Rect],
    placed: list[Placed],
    items: list[Item],
    rules: Composition,
    line: float,
    leading_change: float,
) -> float:
    w = WEIGHTS
    score = threaded.overset_lines * w["overset_line"]
    last = threaded.last_column
    if threaded.overset_lines == 0:
        short = [s.height - u for s, u in zip(slots, threaded.used, strict=True)]
        tail = short[last] + sum(s.height for s in slots[last + 1 :])
        if rules.fill == "balance":
            tail = max(short[: last + 1]) if last >= 0 else 0.0
        score += (tail / line if tail >= line else tail / line * 0.1) * w["underset_line"]
        score += sum(1 for s in short[:last] if s >= line) * w["hole"]
    score += threaded.heading_feet * w["heading_foot"]
    score += abs(leading_change) * w["leading"]
    for item, where in zip(items, placed, strict=True):
        covered = range(where.start, where.start + where.span)
        if where.side == "top" and where.start == 0:
            # the byline and first paragraph open column 1 under the headline
            score += w["start_buried"]
        if item.kind == "quote" and where.side == "top":
            score += w["quote_on_top"]
        if item.kind == "figure":
            score += abs(where.scale - 1) * w["scale"]
            if item.wish:
                score += abs(where.span - item.wish) * w["span_wish"]
            if item.anchor is not None and item.anchor in threaded.block_column:
                column = threaded.block_column[item.anchor]
                distance = 0 if column in covered else min(abs(column - c) for c in covered)
                score += distance * w["figure_distance"]
            if item.importance == 1:
                score += (where.side != "top") * w["lead_not_on_top"]
                score += (where.span < max(item.spans)) * w["lead_narrow"]
        if item.kind == "quote":
            score += (where.size - 1) * w["quote_size"]
        source_column = threaded.block_column.get(item.source) if item.source is not None else None
        beside = source_column is not None and any(abs(source_column - c) <= 1 for c in covered)
        if item.kind == "quote" and beside:
            score += w["quote_beside_source"]
    return score


def _compose_sheet(measures: Measures, rules: Composition, items: list[Item]) -> Plan:
    """The best plan over the note's sizes: the note is the one fixed block
    whose size moves the whole area (a larger note, shallower columns)."""
    best: Plan | None = None
    tried = 0
    # the least change first: the stylesheet's sizes, then the smallest step
    combos = sorted(
        itertools.product(measures.notes or [1.0], measures.flows),
        key=lambda c: abs(c[0] - 1) * WEIGHTS["note_scale"] + abs(c[1] - 1) * WEIGHTS["type_scale"],
    )
    for note_scale, type_scale in combos:
        # each size step its own search, the page at most twice the budget
        budget = max(min(rules.max_candidates, 2 * rules.max_candidates - tried), 1)
        plan = _compose_sheet_at(measures, rules, items, note_scale, type_scale, budget)
        plan.score += abs(note_scale - 1) * WEIGHTS["note_scale"]
        tried += plan.candidates
        if best is None or plan.score < best.score:
            best = plan
        if _fills(best) or (_overset(best) and note_scale >= 1 and type_scale >= 1):
            break  # it fits, or larger sizes would only run further over
        if tried >= 2 * rules.max_candidates:
            break
    assert best is not None
    best.candidates = tried
    return best


def _compose_sheet_at(
    measures: Measures,
    rules: Composition,
    items: list[Item],
    note_scale: float,
    type_scale: float,
    budget: int,
) -> Plan:
    note_column, note_total = note_height(measures, rules.note_columns, note_scale)
    area_height = (
        measures.content_top
        + measures.content_height
        - measures.bottom_height
        - measures.area_top
        - note_total
        # a block ending exactly at the page's foot may be split onto the next
        # page by rounding: keep the area a pixel (0.26 mm) short of it
        - 1.0
    )
    base = measures.leading
    low, high = rules.leading
    leadings = sorted(
        {round(min(max(base, low), high), 3), round(low, 3), round(high, 3)}
        | {round(low + (high - low) * k / 8, 3) for k in range(9)},
        key=lambda v: (abs(v - base), v),
    )
    figures = any(item.kind == "figure" for item in items)
    flow = measures.flows[type_scale]

    def evaluate(arrangement) -> _Trial | None:
        found = None

        def consider(leading: float) -> _Trial | None:
            nonlocal found
            trial = _fit(measures, rules, items, arrangement, area_height, leading, flow)
            if trial is not None:
                trial.plan.type_scale = type_scale
                trial.score += abs(type_scale - 1) * WEIGHTS["type_scale"]
                if found is None or trial.score < found.score:
                    found = trial
            return trial

        if rules.fill == "balance":
            trial = consider(base)
            if trial is None or _overset(trial.plan):
                return found
            found, depth = _balanced(measures, rules, items, trial, area_height)
            found.plan.area_height = depth
            return found
        if figures:
            for leading in leadings[:3]:
                trial = consider(leading)
                if trial is None or _fills(trial.plan):
                    return found
            if found is None or _overset(found.plan):
                return found
            # the pictures could not take up the slack (at their size
            # limits): the leading is bisected as without pictures
        # No picture to scale: the leading is the fine knob. More leading,
        # fewer lines a column: the largest leading that does not run over
        # ends the text at the last column's foot.
        trial = consider(low)
        if trial is None or _overset(trial.plan):
            return found
        lo, hi = low, high
        if not _overset(consider(high).plan):
            return found
        for _ in range(8):
            middle = (lo + hi) / 2
            trial = consider(round(middle, 4))
            if trial is None:
                break
            if _overset(trial.plan):
                hi = middle
            else:
                lo = middle
        return found

    def valid(partial: tuple) -> bool:
        chosen = items[: len(partial)]
        scale = rules.figure_scale[0]
        return _geometry(measures, rules, chosen, partial, area_height, scale) is not None

    best, tried = _search(items, rules, evaluate, valid, budget, measures.area_width)
    if best is None:
        # The blocks do not fit on the grid together in any arrangement tried:
        # the article alone is set, and the plan says what was left off.
        trial = _fit(measures, rules, [], (), area_height, base, measures.flow)
        if trial is None:
            raise NoRoomError(
                f"area: what stands above and below the article (headline, note, "
                f"foot) leaves {max(area_height, 0) * 0.2646:.0f} mm for it, too little "
                "for a column of text (shorten the headline or the note)"
            )
        best = trial
        best.plan.left_off = [item.name for item in items]
    if rules.fill == "balance" and best.plan.area_height:
        area_height = best.plan.area_height
    plan = best.plan
    plan.placed = [
        *plan.placed,
        *(Placed("slot", k, f"slot-{k + 1}", rect) for k, rect in enumerate(plan.columns)),
    ]
    plan.note_height = note_column
    plan.note_scale = note_scale
    plan.area_height = area_height
    plan.candidates = tried
    plan.score = best.score
    return plan


def _balanced(measures, rules, items, best: _Trial, area_height: float):
    """fill: balance: the shallowest area the text still fits, so every column
    ends within a line of the others; the page keeps the space below it."""
    type_scale = best.plan.type_scale
    flow = measures.flows.get(type_scale, measures.flow)
    low, high = 0.0, area_height
    for _ in range(12):
        middle = (low + high) / 2
        trial = _fit(measures, rules, items, best.arrangement, middle, best.plan.leading, flow)
        if trial is None or _overset(trial.plan):
            low = middle
        else:
            best, high = trial, middle
    best.plan.type_scale = type_scale
    return best, high


def plan_fits(plan: Plan) -> bool:
    """Whether the predicted page fills its area (a flow is taken as it comes)."""
    return plan.mode == "flow" or _fills(plan)


def _overset(plan: Plan) -> bool:
    return bool(plan.predicted and plan.predicted.overset_lines)


def _fills(plan: Plan) -> bool:
    threaded = plan.predicted
    if threaded is None or threaded.overset_lines:
        return False
    last = threaded.last_column
    short = [c.height - u for c, u in zip(plan.columns, threaded.used, strict=True)]
    return last == len(plan.columns) - 1 and all(s < plan.line_height for s in short)


def _fit(measures, rules, items, arrangement, area_height, leading, flow) -> _Trial | None:
    """The best figure scale for one arrangement at one leading."""
    ratio = leading / measures.leading
    lines = [u.height for u in flow if u.kind == "lines"]
    line = (max(set(lines), key=lines.count) if lines else measures.line_height) * ratio
    low, high = rules.figure_scale if any(i.kind == "figure" for i in items) else (1.0, 1.0)

    def attempt(scale: float) -> _Trial | None:
        geometry = _geometry(measures, rules, items, arrangement, area_height, scale)
        if geometry is None:
            return None
        placed, slots = geometry
        threaded = thread(flow, [s.height for s in slots], ratio)
        change = (leading - measures.leading) / measures.leading
        score = _score(threaded, slots, placed, items, rules, line, change)
        plan = Plan("sheet", leading, line, columns=slots, placed=placed, predicted=threaded)
        plan.score = score
        plan.arrangement = _describe(placed)
        return _Trial(score, plan, arrangement)

    if low == high:
        return attempt(low)
    # More picture means less text room: find the largest scale with no overset
    # (the text then ends at the last column's foot), and keep the best seen.
    trials = [t for t in (attempt(low), attempt(1.0 if low <= 1 <= high else low)) if t]
    if not trials:
        return None
    if trials[0].plan.predicted and not trials[0].plan.predicted.overset_lines:
        lo, hi = low, high
        for _ in range(6):
            middle = (lo + hi) / 2
            trial = attempt(middle)
            if trial is None or (trial.plan.predicted and trial.plan.predicted.overset_lines):
                hi = middle
                continue
            trials.append(trial)
            lo = middle
        last = attempt(high)
        if last:
            trials.append(last)
    return min(trials, key=lambda t: t.score)


def _describe(placed: list[Placed]) -> str:
    parts = [
        f"{p.name} {p.span}col@{p.start + 1} {p.side}"
        + (f" ×{p.scale:.2f}" if p.kind == "figure" else "")
        + (f" {p.size:g}em" if p.kind == "quote" and p.size != 1 else "")
        for p in placed
    ]
    return ", ".join(parts) or "article only"


# -- flow: one column over pages, blocks between paragraphs --------------------


def _compose_flow(measures: Measures, rules: Composition, items: list[Item]) -> Plan:
    """Blocks between paragraphs, as floats are placed: at the first paragraph end
    at or after the place each belongs where it fits, a picture shrunk (within
    ``figure_scale``) to the room left on the page, else after more text."""
    _, note_total = note_height(measures, rules.note_columns)
    first = measures.content_top + measures.content_height - measures.area_top - note_total
    depths = [first] + [measures.content_height] * 24
    blocks = max((u.block for u in measures.flow), default=0) + 1
    gap = mm(rules.gap) * PX_PER_MM
    line = measures.line_height
    low, high = rules.figure_scale
    width = measures.area_width
    # a picture is at most 40 % of a page deep: a portrait one is set narrower
    tallest = 0.4 * measures.content_height

    def size(item: Item, scale: float) -> tuple[float, float, float]:
        caption = measures.figure_captions.get((item.index, 1), 0.0)
        if item.kind != "figure":
            return _item_height(measures, rules, item, 1, 1.0)[0], 0.0, 0.0
        natural = min(1.0, tallest / (width * item.aspect)) if item.aspect else 1.0
        image = width * item.aspect * natural * scale
        return caption + image, image, width * natural * scale

    queue = sorted(
        (
            (_wanted_position(item, order, len(items), blocks), order, item)
            for order, item in enumerate(items)
        ),
        key=lambda entry: (entry[0], entry[1]),
    )
    after: dict[int, list[tuple[Item, float, float]]] = {}
    placed_items: list[Placed] = []
    page, y = 0, 0.0

    def place(boundary: int, force: bool = False) -> None:
        nonlocal page, y
        while queue and (queue[0][0] <= boundary or force):
            _, _, item = queue[0]
            room = depths[page] - y - gap * (2 if y > 0 else 1)
            height, image, image_width = size(item, min(1.0, high))
            scale = 1.0
            if height > room and item.kind == "figure" and image:
                # shrink the picture to the room left, if the layout allows
                caption = height - image
                scale = max(low, (room - caption) / image) if room > caption else low
                height, image, image_width = size(item, scale)
            if height > room and y > 0 and not force:
                return  # more text first: the block goes after a later paragraph
            if height > room and y > 0:
                page, y = page + 1, 0.0
            queue.pop(0)
            y += (gap if y > 0 else 0.0) + height + gap
            after.setdefault(boundary, []).append((item, height, image))
            box = Rect(0, 0, image_width or width, height)
            placed_items.append(
                Placed(item.kind, item.index, item.name, box, 1, boundary, "flow", image, scale)
            )

    def stand(prefix: tuple[Unit, ...]) -> tuple[int, float]:
        # where the text so far ends, by the same model as the final prediction
        threaded = thread(_with_items(prefix, after, gap), depths)
        last = max(threaded.last_column, 0)
        return last, threaded.used[last]

    def heading_hole(position: int) -> bool:
        # the next unit is a section heading that will not fit with its first
        # line: the page would end in a hole a block could fill instead
        following = measures.flow[position + 1 : position + 3]
        if not following or not following[0].keep_with_next or y == 0:
            return False
        need = following[0].margin_top + following[0].height + following[0].margin_bottom
        need += following[1].height if len(following) > 1 else 0.0
        return y + need > depths[page]

    place(0)
    for position, unit in enumerate(measures.flow):
        # never between a section heading and its paragraph
        if unit.block >= 0 and _last_of(measures.flow, unit) and not unit.keep_with_next:
            page, y = stand(measures.flow[: position + 1])
            place(unit.block + 1)
            if queue and heading_hole(position):
                # bring the next block forward into the room the heading leaves
                queue[0] = (unit.block + 1, *queue[0][1:])
                place(unit.block + 1)
    place(blocks, force=True)
    threaded = thread(_with_items(measures.flow, after, gap), depths)
    plan = Plan("flow", measures.leading, line, predicted=threaded)
    plan.columns = [Rect(0, 0, width, d) for d in depths]
    plan.placed = placed_items
    plan.after = {}
    for placed in placed_items:
        plan.after.setdefault(placed.start, []).append(placed)
    plan.arrangement = (
        ", ".join(f"{p.name} after ¶{p.start}" for p in placed_items) or "article only"
    )
    plan.candidates = 1
    return plan


def _wanted_position(item: Item, order: int, count: int, blocks: int) -> int:
    if item.kind == "figure" and item.anchor is not None:
        return min(item.anchor + 1, blocks)  # after the paragraph it stood after
    if item.kind == "quote" and item.source is not None:
        return min(item.source + 2, blocks)
    if item.kind == "box":
        return blocks
    return min(blocks, round((order + 1) * blocks / (count + 1)))


def _with_items(flow: tuple[Unit, ...], after: dict, gap: float) -> tuple[Unit, ...]:
    """The article's units with the placed blocks as unbreakable blocks between them."""
    out: list[Unit] = []
    blocks_seen = 0
    for extra in after.get(0, []):
        out.append(Unit("block", -2, 1, extra[1], gap, gap))
    for unit in flow:
        out.append(unit)
        if unit.block >= 0:
            blocks_seen = unit.block + 1
            for extra in after.get(blocks_seen, []) if _last_of(flow, unit) else []:
                out.append(Unit("block", -2, 1, extra[1], gap, gap))
    return tuple(out)


def _last_of(flow: tuple[Unit, ...], unit: Unit) -> bool:
    same = [u for u in flow if u.block == unit.block]
    return same[-1] is unit
