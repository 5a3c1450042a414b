"""The layout desk's day (issue 13): a series started, checked, configured and built."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli import edit, run, snapshot

from broadsheet.cli import main

LAYOUT_VARIANTS = "print, tabloid, screen, a4, archive"


@pytest.fixture
def in_folder(tmp_path: Path) -> Iterator[Path]:
    """Commands run from a folder of their own (paths are shown relative to it)."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def with_web_variant(series: Path) -> int:
    """Declare a variant the newspaper layout does not define; its line."""
    edit(series / "series.yaml", "  print: {}\n", "  print: {}\n  web: {}\n")
    lines = (series / "series.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index("  web: {}") + 1


@pytest.mark.parametrize(
    "command", [["check"], ["build", "--variant", "print"], ["config", "--installment", "2"]]
)
def test_a_variant_the_layout_does_not_define_is_refused(
    command: list[str], project: Path, series: Path, in_folder: Path
) -> None:
    line = with_web_variant(series)
    before = snapshot(project)
    result = CliRunner().invoke(main, [command[0], str(series), *command[1:]])
    assert result.exit_code == 1, result.output
    expected = (
        f"error: project/content/changzhi-2025/series.yaml:{line}: variants.web: "
        f"layout 'newspaper' has no variant 'web' (it has: {LAYOUT_VARIANTS})"
    )
    assert result.stderr.splitlines() == [expected]
    assert result.stdout == ""  # no settings, no table: nothing to act on
    assert snapshot(project) == before  # no output folder, no plan record
    assert not (in_folder / "output").exists()


def test_an_undefined_variant_in_json(series: Path) -> None:
    line = with_web_variant(series)
    result = CliRunner().invoke(main, ["check", str(series), "--json"])
    document = json.loads(result.stdout)
    assert document["exit_code"] == 1 and document["errors"] == 1
    [found] = document["diagnostics"]
    assert found["line"] == line and found["field"] == "variants.web"
    assert found["path"].endswith("series.yaml")


def config_blocks(output: str) -> dict[str, dict[str, str]]:
    """`# <installment>, variant <v>` blocks: setting → `value  # origin`."""
    blocks: dict[str, dict[str, str]] = {}
    for line in output.splitlines():
        if match := re.fullmatch(r"# (\S+), variant (\w+)", line):
            rows = blocks.setdefault(f"{Path(match[1]).name}/{match[2]}", {})
        elif " = " in line:
            name, _, rest = line.partition(" = ")
            rows[name] = rest.strip()
    return blocks


def test_config_takes_lists_of_installments_and_variants(series: Path) -> None:
    text = (series / "02.md").read_text(encoding="utf-8")
    (series / "03.md").write_text(text.replace("number: 2\n", "number: 3\n"), "utf-8")
    code, output = run("config", series, "--installment", "2-3", "--variant", "print,a4")
    assert code == 0, output
    blocks = config_blocks(output)
    assert list(blocks) == ["02.md/print", "02.md/a4", "03.md/print", "03.md/a4"]
    assert blocks["03.md/a4"]["page_format"].startswith('"a4"')
    assert blocks["02.md/print"]["page_format"].startswith('"duikai"')
    assert re.search(r"layouts/newspaper/layout\.yaml:\d+$", blocks["02.md/a4"]["max_pages"])
    assert blocks["02.md/a4"]["max_pages"].startswith("6 ")


def test_config_of_a_series_takes_every_installment_and_variant(series: Path) -> None:
    text = (series / "02.md").read_text(encoding="utf-8")
    (series / "03.md").write_text(text.replace("number: 2\n", "number: 3\n"), "utf-8")
    result = CliRunner().invoke(main, ["config", str(series), "--json"])
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    outputs = list(dict.fromkeys(r["output"] for r in results))
    variants = LAYOUT_VARIANTS.split(", ")
    assert outputs == [f"changzhi-2025/{n}/{v}" for n in ("02", "03") for v in variants]
    tabloid = {r["setting"]: r for r in results if r["output"] == "changzhi-2025/03/tabloid"}
    assert tabloid["page_format"]["value"] == "sikai"
    assert "layout.yaml:" in tabloid["page_format"]["origin"]


def test_config_of_a_missing_installment_says_which_there_are(series: Path) -> None:
    code, output = run("config", series, "--installment", "7")
    assert code == 1
    assert "no installment 7 in this series (it has: 2)" in output
