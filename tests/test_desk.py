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
        "layout 'newspaper' has no variant 'web' and the series gives it no settings of "
        f"its own (the layout has: {LAYOUT_VARIANTS})"
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


def table_rows(output: str) -> dict[str, list[str]]:
    """The results table: output → [status, pages, size, time]."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if line.startswith("│") and len(cells) == 5:
            rows[cells[0]] = cells[1:]
    return rows


def test_build_names_each_pdf_and_writes_beside_the_project(
    project: Path, series: Path, in_folder: Path
) -> None:
    # run from elsewhere: the outputs go beside the project's layouts/, not here
    code, output = run("build", series, "--variant", "print,a4")
    assert code == 0, output
    out = project / "output"
    rows = table_rows(output)
    assert list(rows) == [f"project/output/changzhi-2025/02/{v}.pdf" for v in ("print", "a4")]
    for shown, (status, pages, _, _) in rows.items():
        assert (in_folder / shown).read_bytes().startswith(b"%PDF-")  # the path shown is real
        assert status == "built" and int(pages) >= 1
    assert re.search(
        r"^built 2, up to date 0, failed 0 of 2 in [\d.]+s into project/output/$", output, re.M
    )
    assert not (in_folder / "output").exists()
    # the same from the project's own folder: relative paths, the same folder
    os.chdir(project)
    code, output = run("build", series / "02.md", "--variant", "print")
    assert code == 0, output
    assert table_rows(output)["output/changzhi-2025/02/print.pdf"][0] == "up to date"
    assert output.rstrip().endswith("into output/")
    assert sorted(p.name for p in out.glob("changzhi-2025/02/*.pdf")) == ["a4.pdf", "print.pdf"]


def test_build_outside_a_project_writes_into_the_working_folder(
    series: Path, tmp_path: Path, in_folder: Path
) -> None:
    # a series with no layouts/ above it takes the bundled layouts: ./output
    alone = tmp_path / "desk" / "changzhi-2025"
    alone.parent.mkdir()
    series.rename(alone)
    here = tmp_path / "here"
    here.mkdir()
    os.chdir(here)
    code, output = run("build", alone, "--variant", "print")
    assert code == 0, output
    assert (here / "output/changzhi-2025/02/print.pdf").is_file()
    assert "output/changzhi-2025/02/print.pdf" in table_rows(output)
    assert output.rstrip().endswith("into output/")


def test_build_json_keeps_written_and_a_failed_job_names_its_pdf(
    series: Path, in_folder: Path
) -> None:
    result = CliRunner().invoke(
        main, ["build", str(series), "-o", "o", "--variant", "a4", "--json"]
    )
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.stdout)["results"]
    assert found["output"] == "changzhi-2025/02/a4" and found["status"] == "built"
    assert sorted(Path(p).name for p in found["written"]) == ["a4.html", "a4.pdf"]
    # a job that fails still shows where its PDF goes; an unloadable file its own name
    body_end = "争取到各类政策性资金76.9亿元。"
    edit(series / "02.md", body_end, body_end + "\n\n" + "四库管理模式。" * 600)
    code, output = run("build", series, "-o", "o", "--variant", "print")
    assert code == 1
    assert table_rows(output)["o/changzhi-2025/02/print.pdf"][0] == "failed"
    edit(series / "02.md", "headline:", "headlin:")
    code, output = run("build", series, "-o", "o", "--variant", "a4")
    assert code == 1
    assert table_rows(output) == {
        str(Path(series.relative_to(in_folder), "02.md")): ["failed", "", "", "0.00s"]
    }


def front_matter(path: Path) -> tuple[dict, str]:
    import yaml

    _, meta, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(meta), body


def fill(path: Path, values: dict[str, str]) -> None:
    """As an editor does: each line holding a placeholder replaced, chosen by the
    hint after the placeholder (主标题, 正文 …)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if "【待填写】" in line:
            [line] = [value for hint, value in values.items() if f"【待填写】{hint}" in line]
        lines.append(line)
    path.write_text("".join(lines), encoding="utf-8")


def test_init_starts_a_series_check_flags_until_filled_in(project: Path, in_folder: Path) -> None:
    import yaml
    from conftest import SAMPLE_SERIES

    folder = project / "content" / "desk-2026"
    result = CliRunner().invoke(main, ["init", str(folder), "--date", "2026-01-05"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["01.md", "series.yaml"]
    shown = "project/content/desk-2026"
    assert result.stdout == (
        f"wrote {shown}/series.yaml and {shown}/01.md: fill in every 【待填写】, "
        f"then run broadsheet check {shown}\n"
    )
    series_text = (folder / "series.yaml").read_text(encoding="utf-8")
    for key in ("id", "title", "label", "slogan", "layout", "language", "variants"):
        # each key with a comment explaining it just above
        assert re.search(rf"^# {key}: .+\n(#.*\n)*{key}:", series_text, re.M), key
    series = yaml.safe_load(series_text)
    assert series["id"] == "desk-2026" and series["layout"] == "newspaper"
    assert list(series["variants"]) == LAYOUT_VARIANTS.split(", ")
    meta, _ = front_matter(folder / "01.md")
    assert meta["number"] == 1 and str(meta["date"]) == "2026-01-05"

    # the fresh series is refused, every placeholder named
    code, output = run("check", folder, "--variant", "a4")
    assert code == 1
    flagged = re.findall(r"error: (\S+): placeholder 【待填写】 not filled in", output)
    assert [f.split(":")[0].rsplit("/", 1)[1] for f in flagged] == ["series.yaml"] * 2 + [
        "01.md"
    ] * 5

    # filled in with the sample's own text, it passes: in every variant
    sample_series = yaml.safe_load((SAMPLE_SERIES / "series.yaml").read_text(encoding="utf-8"))
    fill(
        folder / "series.yaml",
        {
            "系列标题": f"title: {sample_series['title']}\n",
            "口号": f"slogan: {sample_series['slogan']}\n",
        },
    )
    sample, body = front_matter(SAMPLE_SERIES / "02.md")
    note = "".join(f"  {line}\n" if line else "\n" for line in sample["editors_note"].splitlines())
    # the sample's page is full with its quote and advertisement: they come along
    advertisement = sample["advertisement"]["text"]
    extra = f"pull_quote: {sample['pull_quote']}\nadvertisement:\n  text: {advertisement}\n"
    fill(
        folder / "01.md",
        {
            "主标题": f"headline: {sample['headline']}\n",
            "副标题": f"subhead: {sample['subhead']}\n",
            "导语": f"standfirst: {sample['standfirst']}\n",
            "编者按": note + extra,
            "正文": body,
        },
    )
    code, output = run("check", folder)
    assert code == 0, output
    assert "【待填写】" not in output
    assert len(re.findall(r"^ok desk-2026/01/\w+: \d+ page", output, re.M)) == 5


def test_init_refuses_an_existing_series_and_an_unknown_layout(project: Path, series: Path) -> None:
    before = snapshot(project)
    code, output = run("init", series)
    assert code == 1
    assert "series.yaml: a series is already here: `broadsheet new`" in output
    code, output = run("init", project / "content" / "other", "--layout", "magazine")
    assert code == 1
    known = r"\(known: evening, newspaper\)"  # the project's layouts, in order
    assert re.search(rf"error: --layout: no layout 'magazine' in \S+ {known}", output)
    assert snapshot(project) == before and not (project / "content/other").exists()


def test_new_takes_a_date_and_refuses_a_bad_one(series: Path) -> None:
    code, output = run("new", series, "--date", "2026-02-30")
    assert code == 2 and "Invalid value for '--date'" in output
    assert not (series / "03.md").exists()
    code, output = run("new", series, "--date", "2026-03-01")
    assert code == 0, output
    meta, _ = front_matter(series / "03.md")
    assert meta["number"] == 3 and str(meta["date"]) == "2026-03-01"


def test_messages_stay_one_line_in_a_pipe(tmp_path: Path) -> None:
    """What `new` and `init` say is one line, however long its paths: a pipe
    (COLUMNS=40 to be sure) never wraps the command in it."""
    import subprocess
    import sys

    folder = tmp_path / ("a-series-folder-with-a-rather-long-name-" * 3).strip("-")
    command = [sys.executable, "-c", "from broadsheet.cli import run; run()"]
    env = {**os.environ, "COLUMNS": "40"}
    done = [
        subprocess.run([*command, *args], capture_output=True, text=True, env=env, check=True)
        for args in (["init", str(folder)], ["new", str(folder)])
    ]
    for result, written in zip(done, ("01.md", "02.md"), strict=True):
        assert result.stdout.count("\n") == 1, result.stdout
        assert result.stdout.rstrip().endswith(f"then run broadsheet check {folder}")
        assert f"{folder}/{written}" in result.stdout


def test_config_lines_up_origins_without_padding_to_the_longest_value(series: Path) -> None:
    code, output = run("config", series, "--variant", "print")
    assert code == 0, output
    lines = [line for line in output.splitlines() if " = " in line]
    composition = next(line for line in lines if line.startswith("composition = "))
    others = [line for line in lines if line is not composition]
    assert len(composition) > 200  # the composition's JSON, on its one line
    # the other origins line up after the widest short setting, not after the JSON
    columns = {line.index("  # ") for line in others}
    assert len(columns) == 1, columns
    assert columns.pop() == max(len(line.partition("  # ")[0].rstrip()) for line in others)
