"""Clumsy input to the smaller commands: a clear error, the right exit code, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_cli import run

BROKEN_YAML = "variants: [print\n"


def test_config_on_a_broken_series_says_what_is_broken(series: Path) -> None:
    with (series / "series.yaml").open("a", encoding="utf-8") as handle:
        handle.write(BROKEN_YAML)
    code, output = run("config", series, "--installment", "2")
    assert code == 1
    assert "series.yaml:17: invalid YAML" in output
    assert "no installment number" not in output.replace("no readable installment", "")


def test_new_refuses_a_broken_series_and_writes_nothing(series: Path) -> None:
    with (series / "series.yaml").open("a", encoding="utf-8") as handle:
        handle.write(BROKEN_YAML)
    before = sorted(p.name for p in series.iterdir())
    code, output = run("new", series)
    assert code == 1 and "series.yaml:17: invalid YAML" in output
    assert sorted(p.name for p in series.iterdir()) == before


def test_new_stops_at_the_last_number(series: Path) -> None:
    text = (series / "02.md").read_text(encoding="utf-8")
    (series / "9999.md").write_text(text.replace("number: 2\n", "number: 9999\n"), "utf-8")
    code, output = run("new", series)
    assert code == 1 and "the next number would be 10000; numbers end at 9999" in output
    assert not (series / "10000.md").exists()


def test_usage_errors_are_json_when_json_is_asked_for(series: Path) -> None:
    code, output = run("build", series, "--json", "--bogus")
    assert code == 2
    report = json.loads(output)
    assert report["exit_code"] == 2 and report["errors"] == 1
    assert "No such option '--bogus'" in report["diagnostics"][0]["message"]


def test_doctor_fails_on_a_layout_it_cannot_read(project: Path, tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(project / "layouts", layouts)
    with (layouts / "newspaper/layout.yaml").open("a", encoding="utf-8") as handle:
        handle.write("template: [\n")
    code, output = run("doctor", "--layouts", layouts, "--json")
    assert code == 1
    checks = {c["check"]: c for c in json.loads(output)["results"]}
    broken = checks["layout newspaper"]
    assert not broken["ok"] and "layout.yaml:" in broken["detail"]
    assert "invalid YAML" in broken["detail"]


def test_a_folder_in_place_of_an_output_names_the_output(series: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "changzhi-2025/02/a4.pdf").mkdir(parents=True)
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 1
    assert "changzhi-2025/02/a4.pdf: cannot write: a folder is in the way" in output
    assert ".tmp" not in output
    assert sorted(p.name for p in (out / "changzhi-2025/02").iterdir()) == ["a4.pdf"]


def test_check_refuses_a_stylesheet_url_only_the_written_html_would_take(project: Path) -> None:
    # a rule no element matches: the engine never fetches its picture, but the
    # HTML written beside the PDF would carry the stylesheet and its URL along
    css = project / "layouts/newspaper/newspaper.css"
    lines = css.read_text(encoding="utf-8").count("\n")
    with css.open("a", encoding="utf-8") as handle:
        handle.write(".never-used { background: url(file:///etc/passwd); }\n")
    code, output = run("check", project / "content/changzhi-2025", "--variant", "print")
    assert code == 1
    assert f"newspaper.css:{lines + 1}" in output and "/etc/passwd" in output
