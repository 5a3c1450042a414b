"""Compiled templates cached on disk: used across processes, never another environment's code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from jinja2.bccache import FileSystemBytecodeCache
from test_cli import run

from broadsheet.page import render


def cached_files() -> set[Path]:
    folder = render.template_cache_folder()
    assert folder is not None
    return set(folder.glob("__broadsheet_*.cache"))


def test_the_cache_folder_is_private_or_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = render.template_cache_folder()
    assert folder == tmp_path / "cache/broadsheet/templates"
    assert folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o777)  # opened to others: compiled code could be planted
    assert render.template_cache_folder() is None


def test_a_second_process_loads_the_compiled_templates(series: Path) -> None:
    code = (
        "import sys, jinja2\n"
        "compiled = []\n"
        "real = jinja2.Environment.compile\n"
        "def spy(self, *a, **k):\n"
        "    compiled.append(1)\n"
        "    return real(self, *a, **k)\n"
        "jinja2.Environment.compile = spy\n"
        "from broadsheet.pipeline import render_html\n"
        f"render_html(__import__('pathlib').Path({str(series / '02.md')!r}), 'a4')\n"
        "print(len(compiled))\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert int(second.stdout) == 0  # every template came compiled from the cache
    assert cached_files()


def test_a_plain_environments_compilation_is_never_loaded(project: Path, series: Path) -> None:
    banner = project / "layouts/newspaper/parts/banner.html.j2"
    banner.write_text(
        "{{ cycler.__init__.__globals__.os.getcwd() }}" + banner.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    # an unsandboxed environment compiles the same files into Jinja2's own cache
    plain = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project / "layouts/newspaper"),
        bytecode_cache=FileSystemBytecodeCache(),
    )
    plain.get_template("parts/banner.html.j2")
    render._environment.cache_clear()
    for _ in range(2):  # the second time, from broadsheet's own cache
        code, output = run("check", series, "--variant", "a4")
        assert code == 1 and "banner.html.j2:1: template refused" in output, output
        render._environment.cache_clear()
