"""build/archive --scheduler: a local build's bytes, a killed worker survived, clear errors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

# make test installs the cluster extra: without it these tests fail, never skip
import distributed
import pytest
from click.testing import CliRunner
from PIL import Image

from broadsheet.cli import main
from broadsheet.jobs import shipping, targets
from broadsheet.jobs.plan import plan
from broadsheet.jobs.runner import Prepared, prepare, run_jobs

DEMO = Path(__file__).parent / "fixtures" / "series-demo"


def start_cluster() -> distributed.LocalCluster:
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )


@pytest.fixture(scope="module")
def cluster():
    with start_cluster() as made:
        yield made


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo series in a copy of the project, with a picture that travels too."""
    from conftest import make_project

    project = make_project(tmp_path / "project")
    series = project / "content" / "demo"
    shutil.copytree(DEMO, series)
    # 600 px across: under 240 ppi in print, a warning naming the picture's file
    Image.new("RGB", (600, 80), (90, 120, 60)).save(series / "photo.png")
    return series


def invoke(*args: object, env: dict[str, str] | None = None) -> tuple[int, dict]:
    result = CliRunner().invoke(main, [*map(str, args), "--json"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def digests(folder: Path) -> dict[str, str]:
    """Every output file's sha256 but the build records (they hold the build's seconds)."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".json") and not path.name.startswith(".")
    }


def test_build_on_a_cluster_is_byte_identical_to_a_local_build(
    demo: Path, tmp_path: Path, cluster
) -> None:
    common = [demo, "--installment", "1,2", "--variant", "print,archive"]
    code, local = invoke("build", *common, "-o", tmp_path / "local", "--jobs", "1")
    assert code == 0, local
    code, remote = invoke(
        "build", *common, "-o", tmp_path / "remote", "--scheduler", cluster.scheduler_address
    )
    assert code == 0, remote
    here, there = digests(tmp_path / "local"), digests(tmp_path / "remote")
    pdfs = [name for name in here if name.endswith(".pdf")]
    assert sorted(pdfs) == [
        "demo-series/01/archive.pdf",
        "demo-series/01/print.pdf",
        "demo-series/02/archive.pdf",
        "demo-series/02/print.pdf",
    ]
    assert there == here  # PDFs, HTML and the assets beside them
    # the low-resolution warning names the picture where it lies here, not on the worker
    assert remote["diagnostics"] == local["diagnostics"]
    assert any("ppi" in d["message"] for d in remote["diagnostics"])
    assert all("broadsheet-job-" not in json.dumps(d) for d in remote["diagnostics"])
    assert [r["status"] for r in remote["results"]] == ["built"] * 4
    assert not any(r["retried"] for r in remote["results"])
    # the build records hold the same keys: a local build finds the cluster's outputs up to date
    code, again = invoke("build", *common, "-o", tmp_path / "remote", "--jobs", "1")
    assert [r["status"] for r in again["results"]] == ["skipped"] * 4


def test_archive_on_a_cluster_from_the_environment_is_byte_identical(
    demo: Path, tmp_path: Path, cluster
) -> None:
    code, local = invoke("archive", demo, "--to", tmp_path / "local", "--jobs", "1")
    assert code == 0, local
    env = {"BROADSHEET_SCHEDULER": cluster.scheduler_address}
    code, remote = invoke("archive", demo, "--to", tmp_path / "remote", env=env)
    assert code == 0, remote
    here, there = digests(tmp_path / "local"), digests(tmp_path / "remote")
    assert len([name for name in here if name.endswith(".pdf")]) == 3
    assert len([name for name in here if name.endswith(".png")]) == 3
    assert there == here
    manifest = "manifest.json"
    assert (tmp_path / "remote" / manifest).read_bytes() == (
        tmp_path / "local" / manifest
    ).read_bytes()


def test_a_worker_killed_in_the_middle_of_a_job_is_survived(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: Counter[Path] = Counter()
    original = targets.write_atomically

    def counted(files: dict[Path, bytes], inside: Path) -> None:
        written.update(list(files))
        original(files, inside)

    monkeypatch.setattr(targets, "write_atomically", counted)
    with start_cluster() as own, distributed.Client(own) as client:
        pids = client.run(os.getpid)
        killed: list[str] = []

        def kill_the_first(event: tuple[float, dict]) -> None:
            # the worker that starts the first job dies while laying it out
            worker = event[1]["worker"]
            if not killed:
                killed.append(worker)
                os.kill(pids[worker], signal.SIGKILL)

        client.subscribe_topic(shipping.STARTED, kill_the_first)
        out = tmp_path / "out"
        code, report = invoke("build", demo, "-o", out, "--scheduler", own.scheduler_address)
    assert code == 0, [d["message"] for d in report["diagnostics"]]
    assert len(killed) == 1
    results = report["results"]
    assert len(results) == 15 and {r["status"] for r in results} == {"built"}
    retried = [r for r in results if r["retried"]]
    assert len(retried) == 1 and retried[0]["retried"] == killed
    # every file written once, and whole: each matches its build record's hash
    assert written and set(written.values()) == {1}
    records = list(out.rglob(".*.build.json"))
    assert len(records) == 15
    for record in records:
        for name, digest in json.loads(record.read_text())["outputs"].items():
            assert hashlib.sha256((record.parent / name).read_bytes()).hexdigest() == digest
    assert not [p for p in out.rglob("*") if ".commit." in p.name or p.name.endswith(".tmp")]


def test_the_table_says_what_was_retried() -> None:
    from broadsheet.cli import results_table
    from broadsheet.jobs.results import JobResult

    result = JobResult("s/02/print", "built", pages=1, retried=["tcp://10.0.0.7:40000"])
    table = results_table([result, JobResult("s/02/screen", "built")], Path("out"))
    status = list(table.columns[1].cells)
    assert status == ["[green]built, retried[/]", "[green]built[/]"]


def test_jobs_limits_how_many_are_in_flight(demo: Path, tmp_path: Path, cluster) -> None:
    jobs, _ = plan(demo, None, ["screen", "a4"])
    running, most = [0], [0]
    lock = threading.Lock()

    def started(job: object) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])

    def done(result: object) -> None:
        with lock:
            running[0] -= 1

    results = run_jobs(
        jobs,
        tmp_path / "out",
        1,
        on_start=started,
        on_done=done,
        scheduler=cluster.scheduler_address,
    )
    assert [r.status for r in results] == ["built"] * 6
    assert most[0] == 1


def test_a_worker_with_other_fonts_is_refused(
    demo: Path, tmp_path: Path, cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from broadsheet.jobs import cluster as cluster_module

    def facts(fonts: list[str]) -> dict[str, str]:
        # this machine claims another file for the serif than the workers have
        found = shipping.machine_facts(fonts)
        return {**found, "font Noto Serif CJK SC": "/usr/share/fonts/other.ttc:1:2"}

    monkeypatch.setattr(cluster_module, "machine_facts", facts)
    out = tmp_path / "out"
    code, report = invoke(
        "build", demo, "--installment", "1", "--variant", "screen", "-o", out,
        "--scheduler", cluster.scheduler_address,
    )  # fmt: skip
    assert code == 1
    assert [r["status"] for r in report["results"]] == ["failed"]
    (error,) = [d for d in report["diagnostics"] if d["level"] == "error"]
    assert "has other fonts or packages than this machine" in error["message"]
    assert (
        "font Noto Serif CJK SC: '/usr/share/fonts/other.ttc:1:2' on this machine"
        in (error["message"])
    )
    assert error["path"].endswith("01.md")
    assert not (out / "demo-series" / "01" / "screen.pdf").exists()


def test_the_worker_refuses_a_job_whose_files_key_otherwise(demo: Path) -> None:
    """A file missing from what travelled (here the series file) makes another key."""
    (job, *_), _ = plan(demo, {1}, ["screen"])
    prepared = prepare(job, targets.EditionTarget(demo.parent / "out"), force=True)
    assert isinstance(prepared, Prepared)
    from broadsheet.jobs.cluster import task_of

    task, shared = task_of(prepared)
    series = next(place for place in task.files if place.endswith("series.yaml"))
    edited = task.files[series].replace("测试系列".encode(), "另一系列".encode())
    task = replace(task, files={**task.files, series: edited})
    outcome = shipping.build_shipped(task, shared)
    assert outcome.pdf == b""
    (error,) = outcome.errors
    assert "made another build key of this job's files" in error.message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(demo: Path, tmp_path: Path):
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    code, report = invoke("build", demo, "-o", tmp_path / "out", "--scheduler", address)
    assert time.monotonic() - start < 10
    assert code == 1
    (error,) = report["diagnostics"]
    assert error["message"].startswith(f"cannot reach the Dask scheduler at {address} within 5 s")


def test_without_dask_the_error_says_how_to_get_it(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    code, report = invoke("build", demo, "-o", tmp_path / "out", "--scheduler", "tcp://x:8786")
    assert code == 1
    (error,) = report["diagnostics"]
    assert "pip install 'broadsheet[cluster]'" in error["message"]


def test_help_and_local_builds_do_not_import_dask(demo: Path, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from broadsheet.cli import main\n"
        "help = CliRunner().invoke(main, ['build', '--help'])\n"
        "assert '--scheduler' in help.output, help.output\n"
        f"done = CliRunner().invoke(main, ['build', {str(demo)!r}, '--installment', '1',"
        f" '--variant', 'screen', '-o', {str(tmp_path / 'out')!r}, '--jobs', '1'])\n"
        "assert done.exit_code == 0, done.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BROADSHEET_SCHEDULER"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_print_draft_with_placeholders_travels_as_asked(tmp_path: Path, cluster) -> None:
    from conftest import make_project

    project = make_project(tmp_path / "project")
    series = project / "content" / "trial"
    code, said = invoke("init", series, "--date", "2026-12-01")
    assert code == 0, said
    common = [series, "--variant", "print", "--draft", "--draft-print"]
    code, local = invoke("build", *common, "-o", tmp_path / "local", "--jobs", "1")
    assert code == 0, local
    code, remote = invoke(
        "build", *common, "-o", tmp_path / "remote", "--scheduler", cluster.scheduler_address
    )
    assert code == 0, remote
    assert [r["status"] for r in remote["results"]] == ["built"]
    assert digests(tmp_path / "remote") == digests(tmp_path / "local")
