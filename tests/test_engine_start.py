"""What a build costs beside the page: font files copied, modules loaded, the exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE_INSTALLMENT

BROADSHEET = str(Path(sys.executable).parent / "broadsheet")


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_build_copies_no_whole_font_file_and_the_copy_is_there_when_read() -> None:
    # every whole-face read WeasyPrint makes is counted, with its size
    out = run_python(
        "import copy, json, pathlib\n"
        "from broadsheet.engine import fontdata, typeset\n"
        "from weasyprint.pdf import fonts as pdf_fonts\n"
        "from weasyprint.text import fonts as text_fonts\n"
        "from broadsheet.pipeline import render_html, typeset_edition\n"
        "real, read = text_fonts.get_hb_object_data, []\n"
        "def counted(*a, **k):\n"
        "    data = real(*a, **k)\n"
        "    read.append(len(data or b''))\n"
        "    return data\n"
        "text_fonts.get_hb_object_data = counted\n"
        "init, made = pdf_fonts.Font.__init__, []\n"
        "def keep(self, *a, **k):\n"
        "    init(self, *a, **k)\n"
        "    made.append((self, copy.copy(self)))\n"  # a twin read after the build
        "pdf_fonts.Font.__init__ = keep\n"
        f"built = render_html(pathlib.Path({str(SAMPLE_INSTALLMENT)!r}), 'print')\n"
        "typeset_edition(built)\n"
        "during = list(read)\n"
        "font, twin = made[0]\n"
        "whole = twin.file_content\n"
        "print(json.dumps({'installed': fontdata.installed(), 'during': during, "
        "'fonts': len(made), 'whole': len(whole), 'magic': whole[:4].hex(), "
        "'again': twin.file_content is whole, 'subset': len(font.file_content)}))\n"
    )
    found = json.loads(out)
    assert found["installed"]
    assert found["fonts"] >= 4
    # only the subsets were read (a few hundred kB at most), never a 20 MB file
    assert found["during"] and max(found["during"]) < 2_000_000, found["during"]
    # the copy is made when read (the fallbacks read it), once
    assert found["whole"] > 5_000_000 > found["subset"]
    assert found["magic"] in ("74746366", "4f54544f", "00010000")  # ttcf, OTTO, TrueType
    assert found["again"]


def test_fonttools_subsetter_is_loaded_only_when_used() -> None:
    out = run_python(
        "import sys, importlib.util\n"
        "import broadsheet.engine, weasyprint\n"
        "from weasyprint.pdf import fonts\n"
        "lazy = type(sys.modules['fontTools.subset']).__name__\n"
        "options = fonts.subset.Options\n"  # the fallback's first use loads it
        "print(lazy, type(sys.modules['fontTools.subset']).__name__, options.__name__)\n"
    )
    assert out.split() == ["_LazyModule", "module", "Options"]


def test_the_console_script_exits_with_its_code_and_says_everything(tmp_path: Path) -> None:
    # run() leaves without the interpreter's teardown: the output must be whole
    # and the exit code kept, also when stdout is a pipe
    out = tmp_path / "out"
    command = [BROADSHEET, "build", str(SAMPLE_INSTALLMENT), "--variant", "a4", "-o", str(out)]
    ok = subprocess.run([*command, "--json"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["results"][0]["status"] == "built"
    assert (out / "changzhi-2025" / "02" / "a4.pdf").stat().st_size > 10_000
    usage = subprocess.run(
        [BROADSHEET, "build", "--no-such-option"], capture_output=True, text=True
    )
    assert usage.returncode == 2 and "No such option" in usage.stderr
    bad = tmp_path / "bad.md"
    bad.write_text("---\nnumber: [\n---\n", encoding="utf-8")
    failed = subprocess.run([BROADSHEET, "check", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1 and "bad.md" in failed.stdout + failed.stderr
