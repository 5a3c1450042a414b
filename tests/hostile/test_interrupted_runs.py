"""Ctrl-C, kills, full disks and a second build at once: only whole outputs are ever left."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import run, snapshot

from broadsheet.output import LOCK_FILE, output_lock, write_atomically

VARIANTS = ("print", "tabloid", "screen", "a4", "archive")


def more_installments(series: Path, numbers: range) -> None:
    text = (series / "02.md").read_text(encoding="utf-8")
    for number in numbers:
        copy = text.replace("number: 2\n", f"number: {number}\n", 1)
        (series / f"{number:02d}.md").write_text(copy, encoding="utf-8")


def leftovers(folder: Path) -> list[str]:
    """Temporaries and commit journals: what a half-done run would leave."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name.endswith(".tmp") or p.name.startswith(".commit.")
    )


def consistent(out: Path) -> list[str]:
    """Outputs whose files are not the ones their build record names (html and
    pdf of one build belong together): each such output, by name."""
    wrong = []
    for record_path in out.rglob(".*.build.json"):
        record = json.loads(record_path.read_text())
        for name, digest in record["outputs"].items():
            path = record_path.parent / name
            if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                wrong.append(str(path.relative_to(out)))
    for pdf in out.rglob("*.pdf"):
        if not (pdf.parent / f".{pdf.stem}.build.json").exists():
            wrong.append(f"{pdf.relative_to(out)} (no record)")
    return wrong


def broadsheet(*args: str | Path, cwd: Path, tmpdir: Path, code: str = "") -> subprocess.Popen:
    """The command in a process group of its own (as a shell runs it), so that
    Ctrl-C can be sent to it and its workers at once. ``code`` runs first."""
    # Ctrl-C as in a terminal: a test run in the background (a CI runner, `make
    # test &`) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
    program = (
        "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"{code}\nfrom broadsheet.cli import main\nmain(prog_name='broadsheet')"
    )
    return subprocess.Popen(
        [sys.executable, "-c", program, *map(str, args)],
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def building_in_two_workers(
    series: Path, out: Path, tmp_path: Path, tmpdir: Path
) -> subprocess.Popen:
    """A `-j 2` build of ``series``, returned once its first output is committed."""
    process = broadsheet("build", series, "-o", out, "-j", "2", cwd=tmp_path, tmpdir=tmpdir)
    deadline = time.monotonic() + 60
    while not list(out.rglob(".*.build.json")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    return process


@pytest.fixture
def tmpdir_(tmp_path: Path) -> Path:
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    return folder


def test_ctrl_c_cancels_queued_jobs_at_once_and_leaves_only_whole_outputs(
    series: Path, tmp_path: Path, tmpdir_: Path
) -> None:
    more_installments(series, range(3, 6))  # 4 installments × 5 variants = 20 jobs
    out = tmp_path / "out"
    process = building_in_two_workers(series, out, tmp_path, tmpdir_)
    interrupted = time.time()
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    waited = time.time() - interrupted
    assert process.returncode == 130, stderr
    assert waited < 5, waited  # not after the queued jobs ran
    assert "interrupted: queued jobs cancelled, finished outputs kept" in stderr
    assert "Traceback" not in stderr + stdout and "Aborted" not in stderr
    built = list(out.rglob(".*.build.json"))
    assert 1 <= len(built) < 20
    # nothing was written once the run had stopped
    assert all(p.stat().st_mtime <= time.time() for p in out.rglob("*"))
    assert consistent(out) == [] and leftovers(out) == []
    assert list(tmpdir_.iterdir()) == []  # preflight reads the PDF from memory


@pytest.mark.parametrize("after", [0.8, 1.6, 2.4])
def test_a_killed_build_is_finished_or_cleaned_by_the_next(
    series: Path, tmp_path: Path, tmpdir_: Path, after: float
) -> None:
    out = tmp_path / "out"
    process = broadsheet("build", series, "-o", out, "-j", "1", cwd=tmp_path, tmpdir=tmpdir_)
    time.sleep(after)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    # the next build, with the same temporary folder
    again = broadsheet("build", series, "-o", out, "-j", "1", cwd=tmp_path, tmpdir=tmpdir_)
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert list(tmpdir_.iterdir()) == []  # no font folder or PDF of either run is left
    assert consistent(out) == [] and leftovers(out) == []
    assert len(list(out.rglob("*.pdf"))) == len(VARIANTS)


def test_a_kill_between_two_renames_is_rolled_forward(
    series: Path, tmp_path: Path, tmpdir_: Path
) -> None:
    out = tmp_path / "out"
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 0, output
    before = snapshot(out)
    (series / "02.md").write_text(
        (series / "02.md").read_text(encoding="utf-8").replace("千帆竞发势如虹", "千帆竞发气如虹"),
        encoding="utf-8",
    )
    # the process dies (as by SIGKILL: no clean-up runs) after the first of
    # the commit's renames: the new html beside the old pdf
    die_after_first_rename = (
        "import os\n"
        "_replace = os.replace\n"
        "def replace(a, b):\n"
        "    _replace(a, b)\n"
        "    if str(b).endswith('.html'):\n"
        "        os._exit(9)\n"
        "os.replace = replace\n"
    )
    process = broadsheet(
        "build", series, "-o", out, "--variant", "a4", "-j", "1",
        cwd=tmp_path, tmpdir=tmpdir_, code=die_after_first_rename,
    )  # fmt: skip
    process.communicate(timeout=120)
    assert process.returncode == 9
    html = out / "changzhi-2025/02/a4.html"
    assert "千帆竞发气如虹" in html.read_text() and snapshot(out) != before
    assert consistent(out) != []  # the half-done commit, as the kill left it
    assert leftovers(out)  # its journal and temporaries
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 0, output
    # the pdf and the record at least (and the assets the html took along)
    recovered = re.search(r"finished or removed (\d+) file\(s\) an interrupted run left", output)
    assert recovered and int(recovered[1]) >= 2, output
    assert "up to date" in output  # the finished commit is the new build
    assert consistent(out) == [] and leftovers(out) == []


def test_stray_temporaries_of_a_killed_run_are_removed(series: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = out / "changzhi-2025/02"
    folder.mkdir(parents=True)
    (folder / ".print.pdf.k3j_x9a2.tmp").write_bytes(b"%PDF-half")
    (folder / "notes.tmp").write_text("not ours: kept")
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 0, output
    assert not (folder / ".print.pdf.k3j_x9a2.tmp").exists()
    assert (folder / "notes.tmp").exists()


def test_a_second_build_into_the_same_folder_is_refused(series: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_lock(out):
        code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 1
    assert f"another broadsheet (pid {os.getpid()}) is writing into this folder" in output
    assert [p.name for p in out.iterdir()] == [LOCK_FILE]  # it wrote nothing
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 0, output  # the lock went with the first run


def test_an_archive_is_locked_too(series: Path, tmp_path: Path) -> None:
    dest = tmp_path / "archive"
    with output_lock(dest):
        code, output = run("archive", series, "--to", dest)
    assert code == 1 and "another broadsheet" in output


def test_an_output_that_cannot_be_written_fails_its_job_alone(series: Path, tmp_path: Path) -> None:
    more_installments(series, range(3, 4))
    out = tmp_path / "out"
    (out / "changzhi-2025").mkdir(parents=True)
    (out / "changzhi-2025/02").write_text("a file where the folder would go")
    code, output = run("build", series, "-o", out, "--variant", "print,a4", "-j", "2")
    assert code == 1
    assert "Traceback" not in output
    assert "changzhi-2025/02/print, a4: " in output and "cannot write: File exists" in output
    assert output.count("│ failed") == 2 and output.count("│ built") == 2  # results table
    assert len(list((out / "changzhi-2025/03").glob("*.pdf"))) == 2


def test_a_full_disk_fails_the_job_and_keeps_the_old_files(
    series: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 0, output
    before = snapshot(out)
    fsync = os.fsync
    calls = []

    def full(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second file of the commit finds the disk full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    code, output = run("build", series, "-o", out, "--variant", "a4", "--force", "-j", "1")
    assert code == 1
    assert "changzhi-2025/02/a4: " in output and "cannot write: No space left on device" in output
    assert "Traceback" not in output
    assert snapshot(out) == before and leftovers(out) == []


def test_write_atomically_leaves_nothing_when_a_file_fails(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("old")
    with pytest.raises(IsADirectoryError):
        write_atomically({tmp_path / "a.html": b"new", tmp_path / "b": b"x", tmp_path: b"y"})
    assert (tmp_path / "a.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]


def test_only_broadsheets_own_temporary_folders_are_removed(
    series: Path, tmp_path: Path, tmpdir_: Path
) -> None:
    drafts = tmpdir_ / "broadsheet-2025-drafts"  # a user's folder with a likely name
    drafts.mkdir()
    (drafts / "notes.md").write_text("keep me")
    unmarked = tmpdir_ / "broadsheet-fonts-99999999-x"  # our name, not our mark
    unmarked.mkdir()
    dead = tmpdir_ / "broadsheet-fonts-99999998-y"  # a killed run's (pid gone)
    dead.mkdir()
    (dead / ".made-by-broadsheet").write_text("99999998")
    process = broadsheet("check", series, "--variant", "a4", cwd=tmp_path, tmpdir=tmpdir_)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert (drafts / "notes.md").read_text() == "keep me"
    assert unmarked.exists() and not dead.exists()
    assert sorted(p.name for p in tmpdir_.iterdir()) == sorted([drafts.name, unmarked.name])


def test_sigterm_stops_like_ctrl_c_with_its_own_code(
    series: Path, tmp_path: Path, tmpdir_: Path
) -> None:
    more_installments(series, range(3, 5))
    out = tmp_path / "out"
    process = building_in_two_workers(series, out, tmp_path, tmpdir_)
    os.killpg(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "stopped by SIGTERM: queued jobs cancelled, finished outputs kept" in stderr
    assert consistent(out) == [] and leftovers(out) == []
    assert list(tmpdir_.iterdir()) == []


def test_symlinks_planted_in_the_output_folder_carry_no_write_out(
    series: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "lock").write_text("VICTIM")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).symlink_to(victim / "lock")
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 1 and "its lock file is a symlink" in output
    assert (victim / "lock").read_text() == "VICTIM"
    (out / LOCK_FILE).unlink()
    (out / "changzhi-2025/02").mkdir(parents=True)
    (out / "changzhi-2025/02/assets").symlink_to(victim)
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 1 and "cannot write: a symlink leads outside" in output
    assert sorted(p.name for p in victim.iterdir()) == ["lock"]
