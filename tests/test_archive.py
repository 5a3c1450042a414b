"""Archive output: PDF/A-3b with its sources, byte-identical rebuilds, a verifiable archive."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image
from test_cli import edit

from broadsheet.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "series-demo"
BIN = Path(sys.executable).parent / "broadsheet"


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def series(tmp_path: Path) -> Path:
    from conftest import make_project

    project = make_project(tmp_path / "project")
    series = project / "content" / "demo"
    shutil.copytree(FIXTURE, series)
    Image.linear_gradient("L").resize((900, 300)).convert("RGB").save(series / "photo.png")
    return series


@pytest.fixture
def archived(series: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "archive"
    code, output = run("archive", series, "--to", dest)
    assert code == 0, output
    assert output.count("archived demo-series/") == 3
    return dest


def test_pdfa3b_identification_and_metadata(archived: Path) -> None:
    with pikepdf.open(archived / "demo-series" / "02.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "测试标题第2号"
        assert set(meta["dc:language"]) == {"zh-CN"}
        assert list(meta["dc:date"]) == ["2026-02-15"]
        assert set(meta["dc:publisher"]) == {"测试出版者"}
        assert "测试系列" in meta["pdf:Keywords"]
        assert meta["dc:description"] == "测试系列 ——样例报道之二——"
        assert meta["dc:identifier"] == "demo-series/02"
        assert meta["xmp:CreatorTool"].startswith("broadsheet ")
        # only standard schemas: PDF/A would need an extension schema for others
        namespaces = set(re.findall(r'xmlns:\w+="([^"]+)"', str(meta)))
        assert all("broadsheet" not in ns for ns in namespaces)
        assert meta["xmp:CreateDate"].startswith("2026-02-15")
        assert [str(i.S) for i in pdf.Root.OutputIntents] == ["/GTS_PDFA1"]


def test_sources_are_attached_as_associated_files(archived: Path, series: Path) -> None:
    with pikepdf.open(archived / "demo-series" / "02.pdf") as pdf:
        files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        relationships = {str(spec.AFRelationship) for spec in pdf.Root.AF}
        assert len(pdf.Root.AF) == len(files)
    assert files == {
        "02.md": (series / "02.md").read_bytes(),
        "series.yaml": (series / "series.yaml").read_bytes(),
        "photo.png": (series / "photo.png").read_bytes(),
    }
    assert relationships == {"/Source"}


def test_qpdf_check_clean(archived: Path) -> None:
    for pdf in (archived / "demo-series").glob("*.pdf"):
        result = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_byte_identical_in_two_processes_on_different_days(series: Path, tmp_path: Path) -> None:
    outputs = []
    for index, clock in enumerate(("", "2031-07-04 12:00:00")):
        out = tmp_path / f"o{index}"
        prefix = ["faketime", clock] if clock else []
        result = subprocess.run(
            [*prefix, BIN, "build", series, "-o", out, "--variant", "archive,print", "--force"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr + result.stdout
        outputs.append(out / "demo-series" / "01")
    for name in ("archive.pdf", "print.pdf"):
        assert sha(outputs[0] / name) == sha(outputs[1] / name), name


def test_manifest_catalog_and_thumbnails(archived: Path) -> None:
    manifest = json.loads((archived / "manifest.json").read_text(encoding="utf-8"))
    assert [e["pdf"] for e in manifest["editions"]] == [f"demo-series/0{n}.pdf" for n in (1, 2, 3)]
    assert manifest["editions"][1]["headline"] == "测试标题第2号"
    assert manifest["generator"]["broadsheet"] and manifest["generator"]["weasyprint"]
    assert all(manifest["generator"]["fonts"].values())
    for name, record in manifest["files"].items():
        path = archived / name
        assert sha(path) == record["sha256"] and path.stat().st_size == record["size"]
    catalog = (archived / "index.html").read_text(encoding="utf-8")
    for n in (1, 2, 3):
        assert f'href="demo-series/0{n}.pdf"' in catalog and f"测试标题第{n}号" in catalog
        with Image.open(archived / "demo-series" / f"0{n}.png") as thumbnail:
            assert thumbnail.width == 360 and thumbnail.height > 400


def test_refuses_to_overwrite_a_different_edition(archived: Path, series: Path) -> None:
    before = sha(archived / "demo-series" / "02.pdf")
    code, output = run("archive", series, "--to", archived)
    assert code == 0 and output.count("unchanged") == 3
    edit(series / "02.md", "到此为止。", "到此为止，改过一次。")
    code, output = run("archive", series, "--to", archived)
    assert code == 1
    assert "archived already with other bytes (--replace to overwrite)" in output.replace("\n", "")
    assert sha(archived / "demo-series" / "02.pdf") == before
    code, output = run("archive", series, "--to", archived, "--replace")
    assert code == 0 and "archived demo-series/02.pdf" in output
    assert sha(archived / "demo-series" / "02.pdf") != before
    assert run("archive", "verify", archived)[0] == 0


def test_verify_catches_flipped_byte_deleted_and_unexpected_files(archived: Path) -> None:
    code, output = run("archive", "verify", archived)
    assert code == 0, output
    pdf = archived / "demo-series" / "01.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    (archived / "demo-series" / "02.png").unlink()
    (archived / "demo-series" / "notes.txt").write_text("stray")
    code, output = run("archive", "verify", archived)
    assert code == 1
    flat = output.replace("\n", "")
    assert "changed: demo-series/01.pdf" in flat
    assert "missing: demo-series/02.png" in flat
    assert "unexpected: demo-series/notes.txt" in flat


def test_extract_and_rebuild_gives_the_same_bytes(archived: Path, tmp_path: Path) -> None:
    from conftest import make_project

    project = make_project(tmp_path / "again")
    target = project / "content" / "extracted"
    code, output = run("extract", archived / "demo-series" / "02.pdf", "--to", target)
    assert code == 0, output
    assert sorted(p.name for p in target.iterdir()) == ["02.md", "photo.png", "series.yaml"]
    dest = tmp_path / "archive-again"
    code, output = run("archive", target, "--to", dest)
    assert code == 0, output
    assert sha(dest / "demo-series" / "02.pdf") == sha(archived / "demo-series" / "02.pdf")
