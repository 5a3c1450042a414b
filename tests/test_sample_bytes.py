"""Rebuilding the sample changes no byte: its PDFs match the hashes recorded
with the composed page (re-recorded when the composer came: the page changed).

The hashes hold for one engine and font set; on another (a new WeasyPrint,
pikepdf or font package) the test says so and skips rather than compare
apples with pears. Record anew with ``python tests/test_sample_bytes.py``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
from pathlib import Path

import pytest

from broadsheet.jobs.keys import font_fingerprint

REPO = Path(__file__).resolve().parents[1]
RECORD = Path(__file__).parent / "fixtures" / "sample-pdf-hashes.json"
VARIANTS = ("print", "tabloid", "screen", "a4", "archive")


def environment() -> dict[str, str]:
    from broadsheet import engine

    fonts = {}
    for family in ("Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai"):
        # file and size: a reinstall changes mtimes, not glyphs
        fonts[family] = ":".join(font_fingerprint(family).split(":")[1:3])
    packages = ("weasyprint", "pydyf", "pikepdf", "fonttools", "pillow")
    return {
        **{name: importlib.metadata.version(name) for name in packages},
        "pango": engine.versions()["pango"],
        **fonts,
    }


def build_sample(out: Path) -> dict[str, str]:
    from broadsheet.jobs.plan import plan
    from broadsheet.jobs.runner import run_jobs

    jobs, _ = plan(REPO / "content" / "changzhi-2025")
    results = run_jobs(jobs, out, workers=1, force=True)
    assert all(r.status == "built" for r in results), results
    folder = out / "changzhi-2025" / "02"
    return {v: hashlib.sha256((folder / f"{v}.pdf").read_bytes()).hexdigest() for v in VARIANTS}


def test_sample_pdfs_are_byte_identical_to_the_record(tmp_path: Path) -> None:
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    here = environment()
    if record["environment"] != here:
        differ = {k: (record["environment"].get(k), v) for k, v in here.items()}
        differ = {k: v for k, v in differ.items() if v[0] != v[1]}
        pytest.skip(f"recorded with another engine or font set: {differ}")
    assert build_sample(tmp_path) == record["sha256"]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        hashes = build_sample(Path(tmp))
    RECORD.write_text(
        json.dumps({"environment": environment(), "sha256": hashes}, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"recorded {RECORD}", file=sys.stderr)
