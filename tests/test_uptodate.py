"""A rebuild with nothing changed is answered from file stats; any change runs the full check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadsheet.cli import main
from broadsheet.jobs import runner, uptodate


def build(out: Path, page: Path, *extra: str) -> tuple[int, str]:
    args = ["build", str(page), "--variant", "a4", "-o", str(out), "--json", *extra]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def statuses(output: str) -> list[str]:
    return [r["status"] for r in json.loads(output)["results"]]


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The jobs the full check prepared (rendered and keyed)."""
    seen: list[str] = []
    real = runner.prepare

    def counted(job, *args, **kwargs):
        seen.append(job.name)
        return real(job, *args, **kwargs)

    monkeypatch.setattr(runner, "prepare", counted)
    return seen


def test_nothing_changed_is_said_without_the_full_check(
    series: Path, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, page = tmp_path / "out", series / "02.md"
    code, first = build(out, page)
    assert code == 0 and statuses(first) == ["built"] and checked == ["changzhi-2025/02/a4"]
    records = list(out.glob(f"{uptodate.PREFIX}*{uptodate.SUFFIX}"))
    assert len(records) == 1
    code, second = build(out, page)
    assert code == 0 and statuses(second) == ["skipped"]
    assert checked == ["changzhi-2025/02/a4"]  # not prepared again
    # the same results as the full check gives: pages, size, the warnings
    full, fast = json.loads(first)["results"][0], json.loads(second)["results"][0]
    assert (fast["pages"], fast["size"]) == (full["pages"], full["size"])
    assert json.loads(second)["diagnostics"] == json.loads(first)["diagnostics"]
    # another command line has its own record: it runs the full check once
    code, other = build(out, series, "--installment", "2")
    assert code == 0 and statuses(other) == ["skipped"] and len(checked) == 2
    # the same one from another folder, the path spelled otherwise: the record holds
    monkeypatch.chdir(series)
    code, third = build(out, Path("02.md"))
    assert code == 0 and statuses(third) == ["skipped"] and len(checked) == 2


def _edit(path: Path, added: str = "\n") -> None:
    path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")


CHANGES: dict[str, Callable[[Path, Path], None]] = {
    "installment edited": lambda series, out: _edit(series / "02.md", "\n新增一句。\n"),
    "series file edited": lambda series, out: _edit(series / "series.yaml"),
    "stylesheet edited": lambda series, out: _edit(
        series.parents[1] / "layouts" / "newspaper" / "a4.css"
    ),
    "file added to the layout": lambda series, out: (
        series.parents[1] / "layouts" / "newspaper" / "notes.txt"
    ).write_text("x"),
    "installment added": lambda series, out: (series / "03.md").write_text(
        (series / "02.md").read_text(encoding="utf-8").replace("number: 2", "number: 3", 1),
        encoding="utf-8",
    ),
    "a layouts/ folder nearer the series": lambda series, out: (series / "layouts").mkdir(),
    "output deleted": lambda series, out: (out / "changzhi-2025" / "02" / "a4.pdf").unlink(),
    "output rewritten": lambda series, out: (out / "changzhi-2025" / "02" / "a4.pdf").write_bytes(
        (out / "changzhi-2025" / "02" / "a4.pdf").read_bytes() + b"\n"
    ),
    "interrupted commit's journal": lambda series, out: (
        out / "changzhi-2025" / "02" / ".commit.x1.json"
    ).write_text("[]"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_runs_the_full_check(
    change: str, series: Path, tmp_path: Path, checked: list[str]
) -> None:
    out = tmp_path / "out"
    assert build(out, series)[0] == 0
    before = len(checked)
    CHANGES[change](series, out)
    code, output = build(out, series)
    assert len(checked) > before, change  # the full check ran
    if change in ("installment edited", "output deleted", "output rewritten"):
        assert code == 0 and "built" in statuses(output), output


def test_force_draft_a_failure_and_a_new_version_each_run_the_full_check(
    series: Path, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, page = tmp_path / "out", series / "02.md"
    assert build(out, page)[0] == 0
    assert build(out, page, "--force")[0] == 0 and len(checked) == 2
    monkeypatch.setattr(uptodate, "__version__", "99.0")
    assert build(out, page)[0] == 0 and len(checked) == 3
    monkeypatch.undo()
    monkeypatch.setattr(runner, "prepare", _counting(checked, runner.prepare))
    records = f"{uptodate.PREFIX}*"
    assert build(out, page)[0] == 0 and len(checked) == 4 and list(out.glob(records))
    # a draft is never the up-to-date page: checked in full, and what it wrote
    # is not what the record names, so the next build checks in full too
    record = next(out.glob(records)).read_bytes()
    assert build(out, page, "--draft")[0] == 0 and len(checked) == 5
    assert next(out.glob(records)).read_bytes() == record
    assert build(out, page)[0] == 0 and len(checked) == 6
    # a broken installment fails, and goes on failing: its stats are not the record's
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("headline:", "headline: [", 1), encoding="utf-8")
    assert build(out, page)[0] == 1
    code, output = build(out, page)
    assert code == 1 and "02.md" in output


def _counting(seen: list[str], real):
    def counted(job, *args, **kwargs):
        seen.append(job.name)
        return real(job, *args, **kwargs)

    return counted
