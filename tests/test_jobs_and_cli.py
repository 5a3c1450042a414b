"""Jobs render and key once; archive goes through the runner; diagnostics, exit codes, options."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from broadsheet import engine, pipeline
from broadsheet.cli import main
from broadsheet.jobs import keys, runner
from broadsheet.jobs.plan import plan

FIXTURE = Path(__file__).parent / "fixtures" / "series-demo"
REPO = Path(__file__).resolve().parents[1]


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def run_split(*args: object) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a real process (what CI sees)."""
    command = [str(Path(sys.executable).parent / "broadsheet"), *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    from conftest import make_project

    project = make_project(tmp_path / "project")
    series = project / "content" / "demo"
    shutil.copytree(FIXTURE, series)
    # 600 px across a picture two or more columns wide: under 240 ppi, a warning
    # for print. A banner's shape, as test_series' photo: beside a taller one the
    # fixture's few lines cannot balance and print is underset.
    Image.new("RGB", (600, 80), (90, 120, 60)).save(series / "photo.png")
    return series


class Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.calls = 0
        original = getattr(owner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_each_job_renders_and_keys_once(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders = Counter(monkeypatch, runner, "render_html")
    keyed = Counter(monkeypatch, runner, "job_key")
    jobs, _ = plan(demo, {1, 2}, ["print", "a4"])
    results = runner.run_jobs(jobs, tmp_path / "out", workers=1)
    assert [r.status for r in results] == ["built"] * 4
    assert renders.calls == 4 and keyed.calls == 4
    results = runner.run_jobs(jobs, tmp_path / "out", workers=1)
    assert [r.status for r in results] == ["skipped"] * 4
    assert renders.calls == 8 and keyed.calls == 8


def test_a_full_rebuild_starts_the_longest_jobs_first_and_one_job_starts_no_pool(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    jobs, _ = plan(demo, {1, 2}, ["print", "a4"])
    assert [r.status for r in runner.run_jobs(jobs, out, workers=1)] == ["built"] * 4
    records = {
        job.name: out / "demo-series" / job.slug / f".{job.variant}.build.json" for job in jobs
    }
    took = {}
    for index, (name, path) in enumerate(records.items()):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert 0 < record["seconds"] < 60, record  # what that build took
        # as if the last build had taken these times: 02/a4 the longest
        record["seconds"] = took[name] = 1.0 + index
        path.write_text(json.dumps(record), encoding="utf-8")
    started: list[str] = []
    pools = Counter(monkeypatch, runner, "ProcessPoolExecutor")
    results = runner.run_jobs(
        jobs, out, workers=2, force=True, on_start=lambda job: started.append(job.name)
    )
    assert [r.status for r in results] == ["built"] * 4  # reported in the plan's order
    assert started == sorted(took, key=lambda name: -took[name])
    assert pools.calls == 1
    # one job to build: built here, no process started for it
    (demo / "01.md").write_text((demo / "01.md").read_text(encoding="utf-8") + "\n新增一句。\n")
    results = runner.run_jobs(jobs[:1] + jobs[2:3], out, workers=2)
    assert [r.status for r in results] == ["built", "skipped"]
    assert pools.calls == 1


def test_archive_is_incremental_and_parallel(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts = Counter(monkeypatch, engine, "lay_out")
    dest = tmp_path / "archive"
    code, output = run("archive", demo, "--to", dest, "--jobs", "1")
    assert code == 0, output
    assert layouts.calls == 3
    before = {p.name: p.stat().st_mtime_ns for p in (dest / "demo-series").iterdir()}
    code, output = run("archive", demo, "--to", dest, "--jobs", "1")
    assert code == 0, output
    assert layouts.calls == 3, "an unchanged installment was laid out again"
    assert output.count("unchanged") == 3
    assert {p.name: p.stat().st_mtime_ns for p in (dest / "demo-series").iterdir()} == before
    # one changed installment is laid out again, and only it
    source = demo / "02.md"
    source.write_text(source.read_text(encoding="utf-8").replace("第2期", "第二期"), "utf-8")
    code, output = run("archive", demo, "--to", dest, "--jobs", "1", "--replace")
    assert code == 0, output
    assert layouts.calls == 4
    assert "archived demo-series/02.pdf" in output
    assert run("archive", "verify", dest)[0] == 0
    # with two workers (processes: the counter here does not see them)
    dest2 = tmp_path / "archive2"
    code, output = run("archive", demo, "--to", dest2, "--jobs", "2")
    assert code == 0, output
    manifest = json.loads((dest2 / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["editions"]) == 3
    assert all(e["key"] and e["sha256"] for e in manifest["editions"])


def test_archive_of_a_series_without_an_archive_variant_is_an_error_not_a_crash(
    demo: Path, tmp_path: Path
) -> None:
    text = (demo / "series.yaml").read_text(encoding="utf-8").replace("  archive: {}\n", "")
    (demo / "series.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_split("archive", demo, "--to", tmp_path / "a")
    assert code == 1
    assert "Traceback" not in out + err
    assert "no variant archive in this series" in err


@pytest.mark.parametrize(
    "args",
    [
        ("build", "{d}"),
        ("check", "{d}"),
        ("config", "{d}", "--installment", "1"),
        ("new", "{d}"),
        ("archive", "{d}", "--to", "{d}/a"),
        ("archive", "verify", "{d}"),
    ],
)
def test_commands_on_a_folder_that_is_not_a_series(tmp_path: Path, args: tuple[str, ...]) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.md").write_text("# 不是一个系列\n", encoding="utf-8")
    code, out, err = run_split(*(a.format(d=folder) for a in args))
    assert code == 1, out + err
    assert "Traceback" not in out + err
    assert str(folder.name) in err
    assert err.startswith("error: ")


def test_json_output_is_one_document_with_diagnostics_and_results(
    demo: Path, tmp_path: Path
) -> None:
    code, out, err = run_split(
        "build", demo, "-o", tmp_path / "o", "--variant", "print", "--installment", "2", "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["exit_code"] == 0
    assert [r["output"] for r in document["results"]] == ["demo-series/02/print"]
    assert document["results"][0]["status"] == "built"
    # the composed page's fit is part of the result
    fit = document["results"][0]["fit"]
    # the filler series is set in one column (its series.yaml): blocks between paragraphs
    assert fit["fit"] == "ok" and fit["mode"] == "flow" and "figure-1" in fit["figures"]
    (warning,) = [d for d in document["diagnostics"] if d["level"] == "warning"]
    # at the content line that sets the picture, naming it
    assert warning["path"].endswith("02.md") and warning["line"] and warning["field"] == "body"
    assert "photo.png" in warning["message"] and "ppi" in warning["message"]
    assert warning["subject"] == "demo-series/02/print"
    # a failure: the error with file, line and field
    source = demo / "01.md"
    source.write_text(source.read_text(encoding="utf-8").replace("headline:", "headlin:"), "utf-8")
    code, out, err = run_split("check", demo, "--json")
    assert code == 1
    document = json.loads(out)
    (typo,) = [d for d in document["diagnostics"] if d["field"] == "headlin"]
    assert typo["level"] == "error" and typo["line"] == 4 and typo["path"].endswith("01.md")
    assert "unknown field" in typo["message"]


def test_strict_fails_on_warnings_and_quiet_says_only_problems(demo: Path, tmp_path: Path) -> None:
    args = ("build", demo, "-o", tmp_path / "o", "--variant", "print", "--installment", "2")
    code, out, err = run_split(*args, "--strict", "-q")
    assert code == 1
    assert "ppi on the page" in err and "1 warning(s), failing under --strict" in err
    assert out == ""  # -q: no table, no summary
    code, out, err = run_split(*args)
    assert code == 0  # up to date now, and the warning does not fail without --strict
    assert "up to date 1" in out
    assert "ppi on the page" in err  # an up-to-date output keeps its warnings
    code, out, err = run_split(*args, "--strict")
    assert code == 1 and "up to date 1" in out


def test_verbose_shows_stage_times(demo: Path, tmp_path: Path) -> None:
    code, out, _ = run_split(
        "build", demo, "-o", tmp_path / "o", "--variant", "a4", "--installment", "1", "-v"
    )
    assert code == 0
    assert "demo-series/01/a4: content" in out and "layout" in out


def test_a_diagnostic_names_no_variant_twice(demo: Path) -> None:
    """A content error found by every variant of an installment is said once."""
    source = demo / "03.md"
    source.write_text(source.read_text(encoding="utf-8").replace("headline:", "headlin:"), "utf-8")
    code, _out, err = run_split("check", demo, "--installment", "3")
    assert code == 1
    assert err.count("headlin: unknown field") == 1, err


def test_a_non_editable_install_finds_the_bundled_layouts(tmp_path: Path) -> None:
    """`pip install .` (a wheel, not the checkout) carries the newspaper layout."""
    # built from a copy: a build leaves build/ and egg-info behind in its source
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "src", "layouts"):
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name)
    shutil.rmtree(source / "src" / "broadsheet.egg-info", ignore_errors=True)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    quiet = {"check": True, "capture_output": True, "timeout": 300}
    subprocess.run([*pip, "wheel", "-q", "--no-deps", "-w", wheels, source], **quiet)
    (wheel,) = wheels.glob("broadsheet-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], **quiet)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", python, "install", "-q", "--no-deps", wheel], **quiet)
    # broadsheet.project needs no third-party package, so this bare venv can import it
    probe = "import broadsheet.project as p; print(p.__file__); print(p.BUNDLED_ROOT)"
    done = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    module, root = done.stdout.split()
    assert module.startswith(str(venv))
    assert Path(root).is_relative_to(venv)
    assert (Path(root) / "layouts" / "newspaper" / "layout.yaml").is_file()
    assert (Path(root) / "layouts" / "newspaper" / "parts" / "banner.html.j2").is_file()
    # the marks font the Kai blocks take their punctuation from, and the second layout
    assert (
        Path(root) / "layouts" / "newspaper" / "fonts" / "BroadsheetMarks-Regular.otf"
    ).is_file()
    assert (Path(root) / "layouts" / "evening" / "layout.yaml").is_file()


def test_the_cmyk_profile_is_the_one_the_layout_declares() -> None:
    from broadsheet.pdf import CMYK_PROFILE

    css = (REPO / "layouts" / "newspaper" / "cmyk.css").read_text(encoding="utf-8")
    assert f"url({CMYK_PROFILE.as_uri()})" in css


def test_keys_module_names_fonts_by_file() -> None:
    stamp = keys.font_fingerprint("Noto Serif CJK SC")
    assert stamp.startswith("Noto Serif CJK SC:/") and stamp.count(":") >= 3


def test_pipeline_is_the_one_orchestrator() -> None:
    assert pipeline.typeset_edition.__module__ == "broadsheet.pipeline"


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ([], "not a broadsheet manifest: no mapping of files"),
        (None, "not a broadsheet manifest: no mapping of files"),
        ({"x.pdf": "abc"}, "malformed entry: x.pdf"),
        ({"x.pdf": {"sha256": "00"}}, "malformed entry: x.pdf"),
        ({"/etc/hostname": {"sha256": "00", "size": 1}}, "refused: /etc/hostname"),
        ({"../../../etc/hostname": {"sha256": "00", "size": 1}}, "lies outside the archive"),
    ],
)
def test_verify_reads_a_broken_manifest_without_a_crash(
    tmp_path: Path, files: object, said: str
) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    code, out, err = run_split("archive", "verify", tmp_path)
    assert code == 1, out + err
    assert said in err and "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("content", [b"not a pdf at all", b"", b"%PDF-1.7\n%%EOF"])
def test_extract_and_preflight_refuse_a_file_that_is_no_pdf(tmp_path: Path, content: bytes) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(content)
    for args in (("extract", fake, "--to", tmp_path / "x"), ("preflight", fake)):
        code, out, err = run_split(*args)
        assert code == 1, out + err
        assert "not a readable PDF" in err and "internal error" not in err


def test_a_huge_installment_range_is_a_usage_error(demo: Path) -> None:
    code, _out, err = run_split("check", demo, "--installment", "2-99999999999999999999")
    assert code == 2
    assert "installment numbers go up to 9999" in err


def test_an_installment_the_series_does_not_have_is_an_error(tmp_path: Path) -> None:
    from conftest import make_project

    series = make_project(tmp_path / "project") / "content" / "changzhi-2025"
    result = CliRunner().invoke(main, ["build", str(series), "--installment", "2,99"])
    assert result.exit_code == 1
    assert "no installment 99 in this series (it has: 2)" in result.output.replace("\n", "")


def test_a_missing_page_template_names_the_template_field_and_line(tmp_path: Path) -> None:
    from conftest import make_project

    project = make_project(tmp_path / "project")
    config = project / "layouts" / "newspaper" / "layout.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("template: page.html.j2", "template: nosuch.j2"), "utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("template:"))
    series = project / "content" / "changzhi-2025"
    result = CliRunner().invoke(main, ["check", str(series), "--variant", "print"])
    assert result.exit_code != 0
    assert f"layout.yaml:{line}: template: file not found: nosuch.j2" in result.output
