"""Content files: schema validation with file, line and field in every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.content import load_edition
from broadsheet.diagnostics import ContentError

FRONT = """\
---
number: 2
date: 2025-12-01
headline: 千帆竞发势如虹
subhead: ——副题
---
正文第一段。
"""


def write(series: Path, text: str, name: str = "02.md") -> Path:
    path = series / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_edition(path)
    return [str(d) for d in info.value.diagnostics]


def test_sample_loads(series: Path) -> None:
    edition = load_edition(series / "02.md")
    assert edition.installment.number == 2
    assert edition.label == "——系列报道之二——"
    assert edition.series.title == "2025，长治这一年"
    assert edition.slug == "02"


def test_unknown_key_is_an_error_with_line_and_suggestion(series: Path) -> None:
    path = write(series, FRONT.replace("headline:", "headlin:"))
    messages = errors_of(path)
    assert any(
        m.endswith("02.md:4: headlin: unknown field (did you mean 'headline'?)") for m in messages
    )
    # the real field is now missing too: both are reported at once
    assert any("headline: required field is missing" in m for m in messages)


def test_wrong_type_names_line_and_field(series: Path) -> None:
    path = write(series, FRONT.replace("number: 2", "number: two"))
    (message,) = errors_of(path)
    assert "02.md:2: number:" in message
    assert "integer" in message


def test_bad_date(series: Path) -> None:
    path = write(series, FRONT.replace("2025-12-01", "2025-13-01"))
    (message,) = errors_of(path)
    assert "02.md:3: date:" in message


def test_nested_field_line(series: Path) -> None:
    text = FRONT.replace("---\n正文", "advertisement:\n  text: 广告\n  colour: red\n---\n正文")
    path = write(series, text)
    (message,) = errors_of(path)
    assert "02.md:8: advertisement.colour: unknown field" in message


def test_bad_yaml_names_line(series: Path) -> None:
    path = write(series, FRONT.replace("subhead: ——副题", "subhead: [unclosed"))
    (message,) = errors_of(path)
    assert "02.md:" in message and "invalid YAML" in message
    line = int(message.split("02.md:")[1].split(":")[0])
    assert line in (5, 6)


def test_duplicate_key(series: Path) -> None:
    path = write(series, FRONT.replace("subhead: ——副题", "subhead: a\nsubhead: b"))
    (message,) = errors_of(path)
    assert "02.md:6: subhead: duplicate key" in message


def test_missing_front_matter(series: Path) -> None:
    path = write(series, "正文而已。\n")
    (message,) = errors_of(path)
    assert "02.md:1:" in message and "front matter" in message


def test_series_errors_are_reported_with_installment_errors(series: Path) -> None:
    series_file = series / "series.yaml"
    series_file.write_text(
        series_file.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8"
    )
    path = write(series, FRONT.replace("number: 2", "number: -1"))
    messages = errors_of(path)
    assert any("series.yaml:3: titel: unknown field (did you mean 'title'?)" in m for m in messages)
    assert any("02.md:2: number:" in m for m in messages)


def test_not_utf8(series: Path) -> None:
    path = series / "02.md"
    path.write_bytes(FRONT.encode("utf-8") + "第二行\n".encode("gbk"))
    (message,) = errors_of(path)
    assert "not UTF-8" in message and "02.md:8" in message


def test_a_key_overriding_a_merge_key_is_no_duplicate(series: Path) -> None:
    from broadsheet.content import load_edition

    series_file = series / "series.yaml"
    text = series_file.read_text(encoding="utf-8")
    old = "  print: {}\n  tabloid: {}\n"
    assert old in text
    merged = "  print: &base\n    image_dpi: 300\n  tabloid:\n    <<: *base\n    image_dpi: 150\n"
    series_file.write_text(text.replace(old, merged), encoding="utf-8")
    edition = load_edition(series / "02.md")
    assert edition.series.variants["tabloid"].image_dpi == 150
    assert edition.series.variants["print"].image_dpi == 300
    line = merged.splitlines().index("    image_dpi: 150") + text.splitlines().index("  print: {}")
    assert edition.series_source.line_of(("variants", "tabloid", "image_dpi")) == line + 1
    # written twice in the mapping itself, it is still one
    twice = merged + "    image_dpi: 200\n"
    series_file.write_text(text.replace(old, twice), encoding="utf-8")
    with pytest.raises(ContentError, match="duplicate key"):
        load_edition(series / "02.md")
