"""The engine's libraries, found from one cached ldconfig listing, are the ones ctypes finds."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from broadsheet.engine import libraries

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")


def weasyprint_library_names() -> list[str]:
    """Every spelling WeasyPrint's ffi module tries, read from its source."""
    spec = importlib.util.find_spec("weasyprint.text.ffi")
    assert spec and spec.origin
    source = Path(spec.origin).read_text(encoding="utf-8")
    calls = re.findall(r"_dlopen\(\s*ffi,(.*?)\)", source, re.S)
    names = [name for call in calls for name in re.findall(r"'([^']+)'", call)]
    assert len(names) > 20, names
    return names


def test_every_name_weasyprint_tries_gets_ctypes_own_answer() -> None:
    original = libraries._original[0] if libraries._original else None
    assert original is not None, "installed when broadsheet.engine is imported"
    names = [*weasyprint_library_names(), "c", "m", "z", "no-such-library-here"]
    answers = {name: libraries.find_library(name) for name in names}
    assert answers == {name: original(name) for name in names}
    assert answers["gobject-2.0"] == "libgobject-2.0.so.0"


def test_the_engine_starts_without_a_process_per_name() -> None:
    # count the processes a fresh interpreter starts while importing the engine
    code = (
        "import subprocess\n"
        "started = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, args, *a, **k):\n"
        "    started.append(args)\n"
        "    real(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "import broadsheet.engine, weasyprint, pikepdf\n"
        "print(len(started))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(done.stdout.strip()) == 1  # the one ldconfig -p (ctypes alone: some 60)
