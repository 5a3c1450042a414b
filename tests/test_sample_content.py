"""The sample installment holds the seed page's text: all of it, once, in order."""

from __future__ import annotations

import re

from conftest import SAMPLE_INSTALLMENT, SEED

from broadsheet.content import load_edition

HALF_TO_FULL = str.maketrans({",": "，", ":": "：", "?": "？"})


def squash(text: str) -> str:
    """Compare text, not OCR layout: no whitespace, the seed's half-width marks full width."""
    return re.sub(r"\s+", "", text).translate(HALF_TO_FULL)


def units_in_page_order() -> list[str]:
    """Every text unit of the installment in the order the seed page shows them."""
    edition = load_edition(SAMPLE_INSTALLMENT)
    item = edition.installment
    body_units = []
    for block in re.split(r"\n\s*\n", edition.body.strip()):
        if block.startswith("## "):
            body_units.extend(block[3:].split(" | "))
        else:
            body_units.append(block)
    assert item.editors_note and item.advertisement and item.pull_quote
    return [
        *edition.series.slogan.split(),
        item.advertisement.text,
        edition.series.title,
        edition.label,
        item.standfirst,
        item.headline,
        item.subhead,
        "编者按:",
        *re.split(r"\n\s*\n", item.editors_note.strip()),
        *body_units,
        item.pull_quote,
    ]


def test_every_unit_is_seed_text_in_seed_order() -> None:
    seed = squash(SEED.read_text(encoding="utf-8"))
    position = 0
    for unit in units_in_page_order():
        found = seed.find(squash(unit), position)
        assert found >= 0, f"not in the seed after position {position}: {unit[:30]}"
        position = found + len(squash(unit))


def test_nothing_of_the_seed_is_lost() -> None:
    """Remove every occurrence of every unit: only OCR skip marks and the
    truncated third capture of the pull quote may be left."""
    rest = squash(SEED.read_text(encoding="utf-8"))
    units = sorted({squash(u) for u in units_in_page_order()}, key=len, reverse=True)
    for unit in units:
        rest = rest.replace(unit, "|")
    leftovers = [piece for piece in rest.replace("...", "|").split("|") if piece]
    pull_quote = squash(load_edition(SAMPLE_INSTALLMENT).installment.pull_quote or "")
    assert leftovers == ["发展是硬道理，项目是硬支撑。从顶层"]
    assert pull_quote.startswith(leftovers[0])


def test_no_paragraph_twice() -> None:
    units = [squash(u) for u in units_in_page_order()]
    assert len(units) == len(set(units))


def test_section_heading_has_two_lines() -> None:
    body = load_edition(SAMPLE_INSTALLMENT).body
    assert "## 系统谋划 | 以机制创新厚植项目沃土" in body
