"""Atomic writes and the page-check seam into WeasyPrint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from broadsheet import output
from broadsheet.engine import inspect as pagecheck
from broadsheet.output import write_atomically


def test_replaces_all_files(tmp_path: Path) -> None:
    a, b = tmp_path / "x" / "a.pdf", tmp_path / "x" / "a.html"
    write_atomically({a: b"old-a", b: b"old-b"})
    write_atomically({a: b"new-a", b: b"new-b"})
    assert (a.read_bytes(), b.read_bytes()) == (b"new-a", b"new-b")
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.html", "a.pdf"]


def test_failure_while_writing_keeps_old_files_and_leaves_no_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a.html", tmp_path / "a.pdf"
    write_atomically({a: b"old-a", b: b"old-b"})
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second file: the disk is full
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(output.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        write_atomically({a: b"new-a", b: b"new-b"})
    assert (a.read_bytes(), b.read_bytes()) == (b"old-a", b"old-b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.pdf"]


def test_page_check_fails_loudly_if_the_engine_seam_moves() -> None:
    class FakePage:
        pass

    with pytest.raises(RuntimeError, match="changed its layout tree"):
        pagecheck.page_box(FakePage())
